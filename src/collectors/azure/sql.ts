import { z } from "zod";

export const SQL_API_VERSION = "2021-11-01";
export const SQL_SERVER_READ = "Microsoft.Sql/servers/read";
export const SQL_AUDITING_READ = "Microsoft.Sql/servers/auditingSettings/read";
export const SQL_TDE_READ = "Microsoft.Sql/servers/databases/transparentDataEncryption/read";

const ServerPropertiesSchema = z.object({
  minimalTlsVersion: z.string().nullish(),
  publicNetworkAccess: z.string().nullish(),
});

export function sqlServerFacts(properties: unknown): {
  minimalTlsVersion?: string;
  publicNetworkAccess?: string;
} {
  const p = ServerPropertiesSchema.parse(properties ?? {});
  return {
    // No minimal TLS version set means the server accepts TLS 1.0.
    minimalTlsVersion: p.minimalTlsVersion && p.minimalTlsVersion !== "None" ? p.minimalTlsVersion : "1.0",
    ...(p.publicNetworkAccess ? { publicNetworkAccess: p.publicNetworkAccess } : {}),
  };
}

const AuditingPropertiesSchema = z.object({ state: z.string(), retentionDays: z.number().int().nullish() });

export function sqlAuditingFacts(properties: unknown): { enabled: boolean; retentionDays: number } {
  const p = AuditingPropertiesSchema.parse(properties ?? {});
  return { enabled: p.state.toLowerCase() === "enabled", retentionDays: p.retentionDays ?? 0 };
}

const TdePropertiesSchema = z.object({ state: z.string() });

export function sqlTdeEnabled(properties: unknown): boolean {
  return TdePropertiesSchema.parse(properties ?? {}).state.toLowerCase() === "enabled";
}
