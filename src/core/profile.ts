import { z } from "zod";
import { hashCanonical } from "./canonical.js";

/**
 * The organisation profile: every threshold a rule compares a fact with (password length, key rotation, patch
 * window, …), in one place, so device and cloud rules read the same numbers (`profile.*` in CEL) and every
 * report records which numbers were applied. The seeds name policies but no numbers; each shipped default
 * names the published standard it comes from. `assay.yaml`'s `profile:` section overrides any subset.
 */
interface Setting<T extends z.ZodType> {
  schema: T;
  default: z.infer<T>;
  /** The published standard the default comes from (and, where sources disagree, why this one). */
  source: string;
  /** What assay.yaml may write for it, when more than `schema` (YAML reads an unquoted 1.2 as a number). */
  accepts?: z.ZodType;
}

const days = z.number().int().min(0);
const positive = z.number().int().min(1);
const setting = <T extends z.ZodType>(
  schema: T,
  value: z.infer<T>,
  source: string,
  accepts?: z.ZodType,
): Setting<T> => ({ schema, default: value, source, ...(accepts ? { accepts } : {}) });

const TLS_VERSIONS = z.enum(["1.0", "1.1", "1.2", "1.3"]);

const CE = "Cyber Essentials v3.3 (NCSC, Requirements for IT Infrastructure, from 27 April 2026)";

export const PROFILE_SETTINGS = {
  password: {
    minLength: setting(
      positive,
      12,
      `${CE}, password-based authentication: a minimum length of at least 12 characters (8 only with MFA or automatic blocking of common passwords), no maximum; NCSC password guidance. Was 14 on AWS (CIS AWS Foundations) and 12 on devices: one number now.`,
    ),
    maxAgeDays: setting(
      days,
      365,
      "The seed Password Policy requires a frequency of change; Cyber Essentials does not require expiry, and NCSC password guidance and NIST SP 800-63B §5.1.1.2 advise against forced periodic expiry, so the default is the longest common period, 365 days (0 = expiry not required). Was 90 on AWS (CIS) and 365 on devices.",
    ),
    historyCount: setting(
      positive,
      24,
      "CIS AWS Foundations 1.9 and the CIS Windows Benchmarks ('Enforce password history' 24 or more): previous passwords that cannot be reused.",
    ),
  },
  lockout: {
    maxAttempts: setting(
      positive,
      10,
      `${CE}, password-based authentication: lock accounts after no more than 10 unsuccessful attempts (or throttle to 10 in 5 minutes); NIST SP 800-63B §5.2.2 allows at most 100.`,
    ),
    windowMinutes: setting(positive, 5, `${CE}: no more than 10 guesses in 5 minutes.`),
  },
  screenLock: {
    maxIdleSeconds: setting(
      positive,
      900,
      "CIS Benchmarks (Windows 'Interactive logon: Machine inactivity limit' 900 seconds or fewer; macOS and GNOME idle lock 15 minutes or less).",
    ),
  },
  patching: {
    windowDays: setting(
      positive,
      14,
      `${CE}, security update management: critical and high-risk updates (CVSS v3 7 or more, or vendor 'critical'/'high') installed within 14 days of release.`,
    ),
    maxIndexAgeDays: setting(
      positive,
      7,
      `${CE} 14-day window: a package index refreshed at least weekly shows a new update within 7 days, leaving 7 to install it.`,
    ),
  },
  malware: {
    maxSignatureAgeHours: setting(
      positive,
      48,
      `${CE}, malware protection: signatures updated in line with the vendor's recommendation (vendors publish at least daily); 48 hours allows one missed daily update.`,
    ),
  },
  keys: {
    rotationDays: setting(
      positive,
      365,
      "NIST SP 800-57 Part 1 Rev. 5 §5.3.6: a symmetric data-encryption key's originator-usage period is up to 2 years; 365 days is the rotation AWS KMS and Azure Key Vault apply by default and CIS AWS/Azure Foundations accept. Was 90 on GCP (CIS GCP Foundations 1.10): set 90 in the profile to keep that.",
    ),
    minRsaBits: setting(
      positive,
      2048,
      "NIST SP 800-57 Part 1 Rev. 5 Table 2: RSA 2048 bits gives the 112-bit security strength allowed through 2030.",
    ),
    minEcBits: setting(
      positive,
      256,
      "NIST SP 800-57 Part 1 Rev. 5 Table 2: elliptic curves of 224 bits or more give 112-bit strength; 256 (P-256) is the smallest curve AWS KMS, Azure Key Vault and Cloud KMS offer.",
    ),
  },
  tls: {
    minVersion: setting(
      TLS_VERSIONS,
      "1.2",
      "NIST SP 800-52 Rev. 2 and NCSC TLS guidance: TLS 1.2 or later (1.0 and 1.1 are deprecated, RFC 8996).",
      // `minVersion: 1.2` unquoted is the number 1.2 to YAML: the same version.
      z.preprocess((v) => (typeof v === "number" ? v.toFixed(1) : v), TLS_VERSIONS),
    ),
  },
  credentials: {
    maxAccessKeyAgeDays: setting(
      positive,
      90,
      "CIS AWS Foundations 1.14 and CIS GCP Foundations 1.7: access keys and user-managed service-account keys rotated every 90 days or less.",
    ),
    maxUnusedDays: setting(
      positive,
      45,
      "CIS AWS Foundations 1.12: credentials unused for 45 days or more are disabled.",
    ),
  },
  backup: {
    minRetentionDays: setting(
      positive,
      7,
      "AWS Backup and RDS guidance and CIS Benchmarks: at least 7 days of recovery points, so a problem found a week late can still be rolled back.",
    ),
    maxAgeHours: setting(
      positive,
      48,
      "Daily backups (the seed Backup Policy's regular backups; CIS Controls v8 11.2 automated backups at least weekly, daily recommended) with one missed run allowed: 48 hours.",
    ),
  },
  logs: {
    minRetentionDays: setting(
      positive,
      90,
      "CIS Microsoft Azure Foundations 5.1.x and 4.1.3 (audit logs kept at least 90 days); NCSC logging guidance keeps logs long enough to investigate incidents.",
    ),
  },
} as const;

/** The profile's values (the contract other rules build on: keys are added, never renamed). */
// A type alias (not an interface) so it is assignable to the report's plain record of values.
export type ProfileValues = {
  password: { minLength: number; maxAgeDays: number; historyCount: number };
  lockout: { maxAttempts: number; windowMinutes: number };
  screenLock: { maxIdleSeconds: number };
  patching: { windowDays: number; maxIndexAgeDays: number };
  malware: { maxSignatureAgeHours: number };
  keys: { rotationDays: number; minRsaBits: number; minEcBits: number };
  tls: { minVersion: "1.0" | "1.1" | "1.2" | "1.3" };
  credentials: { maxAccessKeyAgeDays: number; maxUnusedDays: number };
  backup: { minRetentionDays: number; maxAgeHours: number };
  logs: { minRetentionDays: number };
};

function sectionSchema(section: Record<string, Setting<z.ZodType>>, partial: boolean) {
  return z.strictObject(
    Object.fromEntries(
      Object.entries(section).map(([key, s]) => [
        key,
        partial ? (s.accepts ?? s.schema).optional() : s.schema,
      ]),
    ),
  );
}

function profileSchema(partial: boolean) {
  return z.strictObject(
    Object.fromEntries(
      Object.entries(PROFILE_SETTINGS).map(([name, section]) => {
        const schema = sectionSchema(section as Record<string, Setting<z.ZodType>>, partial);
        return [name, partial ? schema.optional() : schema];
      }),
    ),
  );
}

/** Every threshold, all required: what CEL sees as `profile` (and what `rules lint` types `profile.*` against). */
export const ProfileValuesSchema = profileSchema(false) as unknown as z.ZodType<ProfileValues>;

/** The `profile:` section of assay.yaml: a name and any subset of the values. */
export type ProfileOverrides = { name?: string } & {
  [S in keyof ProfileValues]?: Partial<ProfileValues[S]>;
};

/** The `profile:` section's schema; unknown keys are refused (a typo must not silently keep the default). */
export const ProfileOverridesSchema = profileSchema(true).extend({
  /** How reports name the profile ("ACME standard 2026"); defaults to the shipped profile's name. */
  name: z.string().min(1).optional(),
}) as unknown as z.ZodType<ProfileOverrides>;

export const DEFAULT_PROFILE_NAME =
  "Assay defaults (Cyber Essentials v3.3, NCSC, CIS, NIST SP 800-57/800-63B)";

export const DEFAULT_PROFILE_VALUES: ProfileValues = Object.freeze(
  Object.fromEntries(
    Object.entries(PROFILE_SETTINGS).map(([name, section]) => [
      name,
      Object.freeze(
        Object.fromEntries(
          Object.entries(section as Record<string, Setting<z.ZodType>>).map(([key, s]) => [key, s.default]),
        ),
      ),
    ]),
  ),
) as unknown as ProfileValues;

/** The profile a scan applied, as a report records it: its name, the values and their digest. */
export const AppliedProfileSchema = z.strictObject({
  name: z.string().min(1),
  /** SHA-256 of the canonical JSON of `values`: two reports with the same digest applied the same numbers. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  // Loose on purpose: a store older than the scanner still accepts a profile with keys added later.
  values: z.record(z.string(), z.record(z.string(), z.union([z.number(), z.string()]))),
  /** Dotted keys the organisation set (the rest are the shipped defaults). */
  overridden: z.array(z.string()).default([]),
});
/** A resolved profile: as a report records it, with the values typed. */
export type AppliedProfile = Omit<z.infer<typeof AppliedProfileSchema>, "values"> & { values: ProfileValues };

/** Merge an organisation's overrides over the defaults (overrides already validated by the config schema). */
export function resolveProfile(overrides?: ProfileOverrides): AppliedProfile {
  const values: Record<string, Record<string, number | string>> = {};
  const overridden: string[] = [];
  for (const [name, defaults] of Object.entries(DEFAULT_PROFILE_VALUES)) {
    const given = (overrides as Record<string, Record<string, unknown> | undefined> | undefined)?.[name];
    const section: Record<string, number | string> = { ...defaults };
    for (const [key, value] of Object.entries(given ?? {})) {
      if (value === undefined) continue;
      section[key] = value as number | string;
      if (value !== (defaults as Record<string, unknown>)[key]) overridden.push(`${name}.${key}`);
    }
    values[name] = Object.freeze(section) as Record<string, number | string>;
  }
  return {
    name:
      (overrides?.name as string | undefined) ??
      (overridden.length ? "Organisation profile" : DEFAULT_PROFILE_NAME),
    digest: `sha256:${hashCanonical(values)}`,
    values: Object.freeze(values) as unknown as ProfileValues,
    overridden,
  };
}

/** The default profile, resolved once. */
export const DEFAULT_PROFILE: AppliedProfile = resolveProfile();

/** Every key with its default and source (`assay rules profile` prints them). */
export function profileDefaults(): { key: string; default: number | string; source: string }[] {
  return Object.entries(PROFILE_SETTINGS).flatMap(([name, section]) =>
    Object.entries(section as Record<string, Setting<z.ZodType>>).map(([key, s]) => ({
      key: `${name}.${key}`,
      default: s.default as number | string,
      source: s.source,
    })),
  );
}
