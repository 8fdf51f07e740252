import { z } from "zod";
import { AzureSqlDatabaseFactsSchema, AzureSqlServerFactsSchema } from "../../core/facts/azure.js";
import { defineResourceType } from "../kit/resource-type.js";
import type { GenericResourceSummary } from "./arm.js";
import { AZURE_CALLS } from "./calls.js";
import { present } from "./present.js";
import { armResourceType, identityOf, listedOf, readChildFact, type SubscriptionScope } from "./scope.js";

export const SQL_API_VERSION = "2021-11-01";

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

export const sqlServer = armResourceType({
  type: "azure.sql.server",
  service: "sql",
  armType: "microsoft.sql/servers",
  apiVersion: SQL_API_VERSION,
  facts: AzureSqlServerFactsSchema,
  read: AZURE_CALLS.readSqlServer,
  extraCalls: [AZURE_CALLS.readSqlAuditing],
  toFacts: sqlServerFacts,
  async extra(ctx, server, facts) {
    await readChildFact(
      ctx,
      facts,
      "auditing",
      {
        call: AZURE_CALLS.readSqlAuditing,
        path: `${server.id}/auditingSettings/default`,
        apiVersion: SQL_API_VERSION,
      },
      sqlAuditingFacts,
    );
  },
});

/** Databases of every listed server, with their TDE state (`transparentDataEncryption/current`). */
export const sqlDatabase = defineResourceType<SubscriptionScope, GenericResourceSummary>({
  type: "azure.sql.database",
  service: "sql",
  scope: "perProject",
  facts: AzureSqlDatabaseFactsSchema,
  calls: [AZURE_CALLS.listResources, AZURE_CALLS.readSqlTde],
  list: (ctx) => listedOf(ctx, "microsoft.sql/servers/databases"),
  async read(ctx, db, facts) {
    // `master` is the logical server's system database; TDE cannot be set on it.
    if (db.name.toLowerCase() === "master" || db.name.toLowerCase().endsWith("/master")) return undefined;
    facts.set("serverName", db.id.split("/")[8] ?? "", AZURE_CALLS.listResources);
    await readChildFact(
      ctx,
      facts,
      "tdeEnabled",
      {
        call: AZURE_CALLS.readSqlTde,
        path: `${db.id}/transparentDataEncryption/current`,
        apiVersion: SQL_API_VERSION,
      },
      sqlTdeEnabled,
    );
    return identityOf(db, ctx.provider.subscriptionId);
  },
});
