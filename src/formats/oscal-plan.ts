import type { Framework } from "../engine/catalogue.js";
import { uuidFor } from "./uuid.js";

/**
 * The OSCAL assessment plan an assessment-results document imports (`import-ap`): what Assay assesses (the
 * controls), by which method (automated checks from its rule files) and against which catalogue (each
 * framework named as a back-matter resource). Assay has no system security plan of its own, so `import-ssp`
 * points at a back-matter resource that says so and names where the scope is set.
 */
export const OSCAL_VERSION = "1.2.0";
/** Namespace of Assay's own OSCAL props (OSCAL reserves un-namespaced names for NIST). */
export const ASSAY_OSCAL_NS = "urn:assay:oscal";
export const OSCAL_AP_MEDIA_TYPE = "application/oscal.ap+json";

export interface PlanScope {
  /** Frameworks whose controls are reviewed, each with the control ids in scope. */
  frameworks: readonly { framework: Framework | undefined; name: string; controlIds: readonly string[] }[];
  /** Identifies the plan (a report id, a bundle query); the same scope gives the same document. */
  key: string;
  lastModified: string;
}

export function catalogueResourceUuid(name: string): string {
  return uuidFor(`catalogue:${name}`);
}

/** OSCAL tokens start with a letter or `_`; a control id such as GDPR's `32.1.a` gets a leading `_`. */
export function oscalToken(id: string): string {
  return /^[\p{L}_]/u.test(id)
    ? id.replace(/[^\p{L}\p{N}._-]/gu, "_")
    : `_${id.replace(/[^\p{L}\p{N}._-]/gu, "_")}`;
}

export function catalogueResources(scope: PlanScope): object[] {
  return scope.frameworks.map(({ framework, name }) => ({
    uuid: catalogueResourceUuid(name),
    title: framework?.title ?? name,
    description: `The control catalogue the control ids refer to: ${framework?.title ?? name}${framework?.version ? ` (version ${framework.version})` : ""}. Assay's mapping of its rules to these controls is rules/frameworks/${name}.yaml.`,
    props: [{ name: "type", value: "catalog" }],
    ...(framework?.source ? { citation: { text: framework.source } } : {}),
  }));
}

export function reviewedControls(scope: PlanScope): object {
  const selections = scope.frameworks.flatMap(({ name, controlIds }) =>
    controlIds.length
      ? [
          {
            description: `Controls of ${name}`,
            props: [{ name: "framework", ns: ASSAY_OSCAL_NS, value: name }],
            "include-controls": controlIds.map((id) => ({ "control-id": oscalToken(id) })),
          },
        ]
      : [],
  );
  return {
    links: scope.frameworks.map(({ name }) => ({
      href: `#${catalogueResourceUuid(name)}`,
      rel: "reference",
    })),
    "control-selections": selections.length ? selections : [{ "include-all": {} }],
  };
}

export function assessmentPlan(scope: PlanScope): object {
  const sspUuid = uuidFor(`ssp:${scope.key}`);
  return {
    "assessment-plan": {
      uuid: uuidFor(`plan:${scope.key}`),
      metadata: {
        title: "Assay automated compliance checks",
        "last-modified": scope.lastModified,
        version: scope.key,
        "oscal-version": OSCAL_VERSION,
      },
      "import-ssp": {
        href: `#${sspUuid}`,
        remarks:
          "Assay assesses the resources its collectors list; there is no separate system security plan.",
      },
      "local-definitions": {
        activities: [
          {
            uuid: uuidFor(`activity:${scope.key}`),
            title: "Automated rule evaluation",
            description:
              "Collectors read cloud configuration and device posture; each rule (a CEL expression in a YAML file) is evaluated against each resource it applies to, giving pass, fail, error (could not be evaluated) or skip. Reports are signed by the agent that ran them and appended to the store's evidence ledger.",
            props: [{ name: "method", value: "TEST" }],
          },
        ],
      },
      "reviewed-controls": reviewedControls(scope),
      "back-matter": {
        resources: [
          {
            uuid: sspUuid,
            title: "No system security plan",
            description:
              "The assessment scope is the set of resources reported by enrolled Assay agents (device agents and cloud scanners allowed scopes by an administrator).",
          },
          ...catalogueResources(scope),
        ],
      },
    },
  };
}
