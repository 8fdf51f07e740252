import { z } from "zod";

export const FindingStatusSchema = z.enum(["pass", "fail", "error", "skip"]);
export type FindingStatus = z.infer<typeof FindingStatusSchema>;

export const SeveritySchema = z.enum(["info", "low", "medium", "high", "critical"]);
export type Severity = z.infer<typeof SeveritySchema>;
export const SEVERITY_ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** An accepted risk that applied to a failing finding; the finding stays `fail` and visible. */
export const AppliedExceptionSchema = z.strictObject({
  owner: z.string(),
  reason: z.string(),
  expires: z.string(),
});

export const EvidenceValueSchema = z.strictObject({
  /** The value the rule looked at; absent when the fact could not be read. */
  value: z.unknown().optional(),
  /** Where the value came from (command, file, API call). */
  source: z.string().optional(),
  /** Why the value is missing, when it is. */
  unreadable: z.string().optional(),
  /** For a list value of a failed check: the indices of the elements that decided the failure. */
  offending: z.array(z.number().int().min(0)).optional(),
});

/** One rule applied to one resource. */
export const FindingSchema = z.strictObject({
  ruleId: z.string(),
  resourceUid: z.string(),
  resourceType: z.string(),
  status: FindingStatusSchema,
  severity: SeveritySchema,
  /** Why this status, in a sentence: the failed assertion, the missing fact, the skipped precondition. */
  message: z.string(),
  /**
   * For `error` findings, the raw text behind the plain `message` (an SDK or tool error, a CEL error with its
   * source excerpt), for whoever debugs the scan; auditors read `message`.
   */
  debug: z.string().optional(),
  evidence: z.record(z.string(), EvidenceValueSchema),
  /** Framework controls this rule gives evidence for, as `framework:control` (`iso27001-2022:A.8.24`). */
  controls: z.array(z.string()),
  policy: z.string(),
  exception: AppliedExceptionSchema.optional(),
});

export type Finding = z.infer<typeof FindingSchema>;
export type EvidenceValue = z.infer<typeof EvidenceValueSchema>;
export type AppliedException = z.infer<typeof AppliedExceptionSchema>;
