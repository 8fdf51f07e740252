/** The IAM credential report: parsing and the credential facts of one row (resources/iam-user.ts reads it). */
import { z } from "zod";

export const ROOT_ROW = "<root_account>";

/** One credential-report row; the columns Assay reads, validated (the report is CSV, so every value is text). */
const ReportRowSchema = z.looseObject({
  user: z.string().min(1),
  arn: z.string().min(1),
  user_creation_time: z.string(),
  password_enabled: z.string(),
  password_last_used: z.string(),
  password_last_changed: z.string(),
  mfa_active: z.enum(["true", "false"]),
  access_key_1_active: z.enum(["true", "false"]),
  access_key_1_last_rotated: z.string(),
  access_key_1_last_used_date: z.string(),
  access_key_2_active: z.enum(["true", "false"]),
  access_key_2_last_rotated: z.string(),
  access_key_2_last_used_date: z.string(),
});
export type ReportRow = z.infer<typeof ReportRowSchema>;

/** Credential reports are simple CSV: a header line, one line per user, no quoted commas in any field. */
export function parseCredentialReport(csv: string): ReportRow[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines.shift() ?? "").split(",");
  return lines.map((line, i) => {
    const values = line.split(",");
    const row = Object.fromEntries(header.map((h, j) => [h, values[j] ?? ""]));
    const parsed = ReportRowSchema.safeParse(row);
    if (!parsed.success)
      throw new Error(
        `credential report line ${i + 2} is not in the expected format: ${parsed.error.message}`,
      );
    return parsed.data;
  });
}

/** A report timestamp, or undefined for N/A, no_information, not_supported. */
export function reportTime(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

/**
 * The credential facts of one report row, as the report states them: which credentials are enabled or active,
 * and their dates (absent for N/A, no_information, not_supported). How old is too old, and from when a
 * never-used credential counts, is the rules' judgement (AWS-IAM-004/005), against the scan's `now`.
 */
export function credentialFacts(row: ReportRow) {
  const passwordLastUsed = reportTime(row.password_last_used);
  const passwordLastChanged = reportTime(row.password_last_changed);
  const keys = ([1, 2] as const).flatMap((slot) => {
    const rotated = reportTime(slot === 1 ? row.access_key_1_last_rotated : row.access_key_2_last_rotated);
    const active = (slot === 1 ? row.access_key_1_active : row.access_key_2_active) === "true";
    if (!rotated && !active) return [];
    const used = reportTime(slot === 1 ? row.access_key_1_last_used_date : row.access_key_2_last_used_date);
    return [
      {
        slot,
        active,
        ...(rotated ? { lastRotatedAt: rotated.toISOString() } : {}),
        ...(used ? { lastUsedAt: used.toISOString() } : {}),
      },
    ];
  });
  return {
    passwordEnabled: row.password_enabled === "true",
    ...(passwordLastUsed ? { passwordLastUsedAt: passwordLastUsed.toISOString() } : {}),
    ...(passwordLastChanged ? { passwordLastChangedAt: passwordLastChanged.toISOString() } : {}),
    mfaActive: row.mfa_active === "true",
    accessKeys: keys,
  };
}
