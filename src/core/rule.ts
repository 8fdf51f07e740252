import { z } from "zod";
import { SeveritySchema } from "./finding.js";

export const RULE_ID_PATTERN = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/;

/** Device platforms a rule may give its own remediation for (the device facts' `os.platform`). */
export const REMEDIATION_PLATFORMS = ["linux", "darwin", "win32"] as const;
export type RemediationPlatform = (typeof REMEDIATION_PLATFORMS)[number];
const PlatformTextsSchema = z.strictObject({
  linux: z.string().min(1).optional(),
  darwin: z.string().min(1).optional(),
  win32: z.string().min(1).optional(),
});

/**
 * A rule's remediation: one text, or texts per device platform plus a `default` shown where the platform has
 * none of its own or is not known (os unreadable), so a Linux command is never offered to a Mac.
 */
export const RemediationSchema = z.union([
  z.string().min(1),
  PlatformTextsSchema.extend({ default: z.string().min(1) }),
]);

/**
 * A rule file: one rule, file name = rule id. `when` and `assert` are CEL expressions evaluated with
 * `resource` (the Resource) and `now` (a timestamp bound once per scan). `evidence` lists the attribute
 * paths (relative to `resource.attributes`) whose values are kept in each finding.
 */
export const RuleSchema = z.strictObject({
  id: z
    .string()
    .regex(RULE_ID_PATTERN, "must look like AREA-NNN (upper case, dash separated), e.g. DEV-ENC-001"),
  title: z.string().min(5),
  severity: SeveritySchema,
  /** Resource type(s) the rule applies to (`device`, `aws.s3.bucket`). */
  resource: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Key of the seed policy sentence in rules/policies.yaml that this rule turns into a check. */
  policy: z.string().min(1),
  description: z.string().optional(),
  when: z.string().min(1).optional(),
  assert: z.string().min(1),
  /** Sentence for a failure; may use {{path}} placeholders of evidence paths. */
  failMessage: z.string().optional(),
  /**
   * A CEL expression evaluated only when the rule fails, saying why in the resource's terms: a string, or a
   * list of strings (one per offending element, joined with "; "), e.g.
   * `rules.filter(r, isAnyAddress(r.cidr)).map(r, "port 22 open to " + r.cidr + " in rule " + r.id)`.
   * Takes precedence over `failMessage`, which stays the fallback if the expression cannot be evaluated.
   */
  message: z.string().min(1).optional(),
  evidence: z.array(z.string().min(1)).min(1),
  remediation: RemediationSchema,
  references: z.array(z.url()).optional(),
});

export type RuleDefinition = z.infer<typeof RuleSchema>;

/** The metadata of a rule kept in a report, so a report renders without the rule files. */
export const RuleSummarySchema = z.strictObject({
  id: z.string(),
  title: z.string(),
  severity: SeveritySchema,
  resourceTypes: z.array(z.string()),
  policy: z.string(),
  policyName: z.string(),
  /** The default remediation (the only one for most rules). */
  remediation: z.string(),
  /** Texts for particular device platforms; a finding on a device of that platform shows its own. */
  remediationByPlatform: PlatformTextsSchema.optional(),
  controls: z.array(z.string()),
});
export type RuleSummary = z.infer<typeof RuleSummarySchema>;

/** The rule file's remediation split into the summary's default text and per-platform texts. */
export function remediationSummary(
  remediation: RuleDefinition["remediation"],
): Pick<RuleSummary, "remediation" | "remediationByPlatform"> {
  if (typeof remediation === "string") return { remediation };
  const { default: fallback, ...byPlatform } = remediation;
  return Object.keys(byPlatform).length
    ? { remediation: fallback, remediationByPlatform: byPlatform }
    : { remediation: fallback };
}

/** The remediation a reader of a finding on `platform` (undefined: not a device, or not known) should see. */
export function remediationFor(
  rule: Pick<RuleSummary, "remediation" | "remediationByPlatform">,
  platform: string | undefined,
): string {
  const own = platform ? rule.remediationByPlatform?.[platform as RemediationPlatform] : undefined;
  return own ?? rule.remediation;
}

export function ruleResourceTypes(rule: Pick<RuleDefinition, "resource">): string[] {
  return typeof rule.resource === "string" ? [rule.resource] : rule.resource;
}
