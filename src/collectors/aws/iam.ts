/** The IAM credential report: parsing and the credential facts of one row (resources/iam-user.ts reads it). */
import { z } from "zod";
import { daysBetween } from "../kit/bounded.js";

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

export function credentialFacts(row: ReportRow, now: Date) {
  const passwordEnabled = row.password_enabled === "true";
  const passwordLastUsed = reportTime(row.password_last_used);
  const created = reportTime(row.user_creation_time);
  const keys = ([1, 2] as const).flatMap((slot) => {
    const rotated = reportTime(slot === 1 ? row.access_key_1_last_rotated : row.access_key_2_last_rotated);
    const active = (slot === 1 ? row.access_key_1_active : row.access_key_2_active) === "true";
    if (!rotated && !active) return [];
    const used = reportTime(slot === 1 ? row.access_key_1_last_used_date : row.access_key_2_last_used_date);
    const since = used ?? rotated;
    return [
      {
        slot,
        active,
        ...(rotated ? { lastRotatedAt: rotated.toISOString(), ageDays: daysBetween(rotated, now) } : {}),
        ...(used ? { lastUsedAt: used.toISOString() } : {}),
        ...(since ? { daysSinceUse: daysBetween(since, now) } : {}),
        neverUsed: used === undefined,
      },
    ];
  });
  const active = keys.filter((k) => k.active);
  const passwordSince = passwordLastUsed ?? reportTime(row.password_last_changed) ?? created;
  const passwordDaysSinceUse = passwordEnabled && passwordSince ? daysBetween(passwordSince, now) : undefined;
  // A maximum over credentials one of which the report does not date is not known: it stays absent.
  const uses = [...(passwordEnabled ? [passwordDaysSinceUse] : []), ...active.map((k) => k.daysSinceUse)];
  const ages = active.map((k) => k.ageDays);
  const maxOf = (values: (number | undefined)[]) =>
    values.length > 0 && values.every((v) => v !== undefined) ? Math.max(...(values as number[])) : undefined;
  const oldestActiveAccessKeyAgeDays = maxOf(ages);
  const maxDaysSinceCredentialUse = maxOf(uses);
  return {
    passwordEnabled,
    ...(passwordLastUsed ? { passwordLastUsedAt: passwordLastUsed.toISOString() } : {}),
    ...(passwordDaysSinceUse !== undefined ? { passwordDaysSinceUse } : {}),
    mfaActive: row.mfa_active === "true",
    accessKeys: keys,
    activeAccessKeys: active.length,
    ...(oldestActiveAccessKeyAgeDays !== undefined ? { oldestActiveAccessKeyAgeDays } : {}),
    ...(maxDaysSinceCredentialUse !== undefined ? { maxDaysSinceCredentialUse } : {}),
  };
}
