import type { Readable } from "node:stream";
import { type Kysely, sql } from "kysely";
import { PATHS } from "../../evidence/format.js";
import { readZipStrict } from "../../evidence/zip.js";
import { prop } from "../../formats/oscal.js";
import { OSCAL_AP_MEDIA_TYPE } from "../../formats/oscal-plan.js";
import { observationUuid } from "../../formats/uuid.js";
import type { Database } from "../db/schema.js";

interface Observation {
  uuid: string;
  props?: unknown[];
}

interface BackMatterResource {
  uuid: string;
  rlinks?: unknown[];
  base64?: unknown;
}

/**
 * The OSCAL assessment results of an evidence bundle as one document that stands alone: the bundle's results
 * import the plan beside them (`oscal/assessment-plan.json`); here the plan is embedded in the back-matter
 * resource `import-ap` points at (base64), as the single-scan OSCAL export does, so the href still resolves.
 * The bundle remains the verifiable form; this is the same results for tools that read OSCAL only.
 */
export async function standaloneAssessmentResults(
  bundle: Readable,
  /** Observation uuid → since when that failing finding's pair had failed (failingSinceOfObservations). */
  failingSince: ReadonlyMap<string, string> = new Map(),
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bundle) chunks.push(Buffer.from(chunk as Buffer));
  const files = readZipStrict(Buffer.concat(chunks));
  const results = files.get(PATHS.assessmentResults);
  const plan = files.get(PATHS.assessmentPlan);
  if (!results || !plan) throw new Error("the evidence bundle has no OSCAL assessment results or plan");
  const doc = JSON.parse(results.toString("utf8")) as {
    "assessment-results": {
      "import-ap": { href: string; remarks?: string };
      results: { observations?: Observation[]; remarks?: string }[];
      "back-matter"?: { resources?: BackMatterResource[] };
    };
  };
  const ar = doc["assessment-results"];
  const target = ar["import-ap"].href.replace(/^#/u, "");
  const resource = ar["back-matter"]?.resources?.find((r) => r.uuid === target);
  if (!resource) throw new Error("the assessment results' import-ap names no back-matter resource");
  delete resource.rlinks;
  resource.base64 = {
    filename: "assessment-plan.json",
    "media-type": OSCAL_AP_MEDIA_TYPE,
    value: plan.toString("base64"),
  };
  ar["import-ap"].remarks = "The assessment plan is embedded in this document's back-matter (base64).";
  addFailingSince(ar.results, failingSince);
  return Buffer.from(JSON.stringify(doc));
}

/**
 * A `failing-since` prop on each failing observation: when its (resource, rule) pair's unbroken failing run
 * began, as of that observation. The signed reports cannot prove a run that began before the period, so the
 * value comes from the store's replayed state (findings.failing_since, which `assay store verify` recomputes
 * from the ledger), and the result's remarks say so.
 */
function addFailingSince(
  results: { observations?: Observation[]; remarks?: string }[],
  failingSince: ReadonlyMap<string, string>,
): void {
  for (const result of results) {
    let added = 0;
    for (const observation of result.observations ?? []) {
      const since = failingSince.get(observation.uuid);
      if (since === undefined) continue;
      observation.props = [...(observation.props ?? []), prop("failing-since", since)];
      added += 1;
    }
    if (added === 0) continue;
    const note =
      "The failing-since props (since when a failing check's resource and rule had failed without a break) come from the report store's state replayed from its ledger, checked by `assay store verify`, not from the signed reports of the evidence bundle.";
    result.remarks = result.remarks ? `${result.remarks}\n\n${note}` : note;
  }
}

/**
 * The failing findings of a control among the reports appended to the ledger in the period (the reports an
 * evidence bundle of that period holds), keyed by their OSCAL observation's uuid. Read through the reports'
 * ledger entries and the findings' report index, so only the period's rows are touched.
 */
export async function failingSinceOfObservations(
  db: Kysely<Database>,
  control: string,
  period: { from: string; to: string },
): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom("ledger as l")
    .innerJoin("reports as r", "r.ledger_seq", "l.seq")
    .innerJoin("findings as f", "f.report_id", "r.id")
    .select(["f.report_id", "f.rule_id", "f.resource_uid", "f.failing_since"])
    .where("l.kind", "=", "report")
    .where("l.appended_at", ">=", period.from)
    .where("l.appended_at", "<=", period.to)
    .where("f.failing_since", "is not", null)
    .where(sql<boolean>`f.controls like ${`%|${control.replace(/[%_!]/g, (c) => `!${c}`)}|%`} escape '!'`)
    .execute();
  const map = new Map<string, string>();
  for (const row of rows) {
    map.set(observationUuid(row.report_id, row.rule_id, row.resource_uid), row.failing_since!);
  }
  return map;
}
