import { z } from "zod";
import { present } from "./present.js";

export const SQL_API_VERSION = "2021-11-01";
export const SQL_SERVER_READ = "Microsoft.Sql/servers/read";
export const SQL_AUDITING_READ = "Microsoft.Sql/servers/auditingSettings/read";
export const SQL_TDE_READ = "Microsoft.Sql/servers/databases/transparentDataEncryption/read";

const ServerPropertiesSchema = z.object({
  minimalTlsVersion: z.string().nullish(),
  publicNetworkAccess: z.string().nullish(),
});

/** What `servers/read` (2021-11-01) returned; Microsoft's ServerGet example has no minimalTlsVersion. */
export function sqlServerFacts(properties: unknown): {
  minimalTlsVersion?: string;
  publicNetworkAccess?: string;
} {
  const p = ServerPropertiesSchema.parse(properties ?? {});
  return {
    // "None" is a value the API returns (no minimum set); it is kept as said, the rule decides what it means.
    ...present("minimalTlsVersion", p.minimalTlsVersion),
    ...present("publicNetworkAccess", p.publicNetworkAccess),
  };
}

const AuditingPropertiesSchema = z.object({ state: z.string(), retentionDays: z.number().int().nullish() });

/** `auditingSettings/default`: a missing retentionDays stays absent (0 is a value meaning "kept forever"). */
export function sqlAuditingFacts(properties: unknown): { enabled: boolean; retentionDays?: number } {
  const p = AuditingPropertiesSchema.parse(properties ?? {});
  return { enabled: p.state.toLowerCase() === "enabled", ...present("retentionDays", p.retentionDays) };
}

const TdePropertiesSchema = z.object({ state: z.string() });

export function sqlTdeEnabled(properties: unknown): boolean {
  return TdePropertiesSchema.parse(properties ?? {}).state.toLowerCase() === "enabled";
}
