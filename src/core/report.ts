import { z } from "zod";
import { FindingSchema, FindingStatusSchema, SeveritySchema } from "./finding.js";
import { ULID_PATTERN } from "./ids.js";
import { AppliedProfileSchema } from "./profile.js";
import { ResourceSchema } from "./resource.js";
import { RuleSummarySchema } from "./rule.js";

/**
 * Why a collector call failed. Only `denied` means a missing permission; `unreachable` is DNS/TCP/TLS or no
 * answer in time, `serviceError` a 5xx or an unreadable reply, `invalidConfiguration` the scanner's own setup
 * (rejected credentials, an unusable region, a malformed id).
 */
export const CollectorErrorKindSchema = z.enum([
  "denied",
  "notFound",
  "throttled",
  "unreachable",
  "serviceError",
  "invalidConfiguration",
]);
export type CollectorErrorKind = z.infer<typeof CollectorErrorKindSchema>;

/** A collector call that failed: a denied permission, a throttled API, a missing tool. */
export const CollectorErrorSchema = z.strictObject({
  collector: z.string(),
  /** What was being read: account/region/service, or a device fact. */
  scope: z.string(),
  code: z.string(),
  /** A plain sentence for an auditor: what could not be read and why, without the SDK's raw text. */
  message: z.string(),
  /** What kind of failure it was (absent in reports written before kinds existed). */
  kind: CollectorErrorKindSchema.optional(),
  /** The read-only permission that was missing, only when the error is a denial. */
  permission: z.string().optional(),
  /** The SDK's raw error text, for whoever debugs the scanner; never shown as the finding's message. */
  debug: z.string().optional(),
  /** Resource types that could not be listed at all because of this error. */
  resourceTypes: z.array(z.string()).default([]),
});
export type CollectorError = z.infer<typeof CollectorErrorSchema>;

const StatusCountsSchema = z.strictObject({
  pass: z.number().int(),
  fail: z.number().int(),
  error: z.number().int(),
  skip: z.number().int(),
  /** Failures covered by a valid exception (also counted in `fail`). */
  excepted: z.number().int(),
});
export type StatusCounts = z.infer<typeof StatusCountsSchema>;

export const ReportSummarySchema = z.strictObject({
  resources: z.number().int(),
  rules: z.number().int(),
  findings: StatusCountsSchema,
  bySeverity: z.partialRecord(SeveritySchema, StatusCountsSchema),
  byPolicy: z.record(z.string(), StatusCountsSchema),
  collectorErrors: z.number().int(),
});
export type ReportSummary = z.infer<typeof ReportSummarySchema>;

export const AgentIdentitySchema = z.strictObject({
  /** The agent's enrolled id, or `local` for an unenrolled CLI run. */
  id: z.string().min(1),
  hostname: z.string(),
  version: z.string(),
});

export const ReportSignatureSchema = z.strictObject({
  algorithm: z.literal("ed25519"),
  keyId: z.string(),
  /** Base64 Ed25519 signature over the canonical JSON of the report without its `signature`. */
  value: z.string(),
});

export const ScanReportSchema = z.strictObject({
  schemaVersion: z.literal(1),
  id: z.string().regex(ULID_PATTERN, "must be a ULID"),
  agent: AgentIdentitySchema,
  scope: z.strictObject({
    collectors: z.array(z.string()),
    ruleDirs: z.array(z.string()),
    accounts: z.array(z.string()).default([]),
    regions: z.array(z.string()).default([]),
  }),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  resources: z.array(ResourceSchema),
  rules: z.array(RuleSummarySchema),
  findings: z.array(FindingSchema),
  collectorErrors: z.array(CollectorErrorSchema),
  summary: ReportSummarySchema,
  /** The organisation profile the rules' thresholds came from (absent in reports written before profiles). */
  profile: AppliedProfileSchema.optional(),
  signature: ReportSignatureSchema.optional(),
});

export type ScanReport = z.infer<typeof ScanReportSchema>;
export type ReportSignature = z.infer<typeof ReportSignatureSchema>;
export { FindingStatusSchema };
