import { z } from "zod";
import { GcpSqlInstanceFactsSchema } from "../../../core/facts/gcp.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import type { GcpHandle } from "../handle.js";
import { listItems, readListedItem, unlessApiDisabled } from "../listed-items.js";

export const SQL_CALLS = { list: apiCall("cloudsql.instances.list") };

/** The fields of a `sql#instance` (Cloud SQL Admin API v1, DatabaseInstance) that facts are read from. */
const InstanceSchema = z.object({
  name: z.string(),
  instanceType: z.string().nullish(),
  masterInstanceName: z.string().nullish(),
  databaseVersion: z.string().nullish(),
  region: z.string().nullish(),
  settings: z
    .object({
      userLabels: z.record(z.string(), z.string()).nullish(),
      backupConfiguration: z
        .object({
          enabled: z.boolean().nullish(),
          binaryLogEnabled: z.boolean().nullish(),
          pointInTimeRecoveryEnabled: z.boolean().nullish(),
        })
        .nullish(),
      ipConfiguration: z
        .object({
          ipv4Enabled: z.boolean().nullish(),
          requireSsl: z.boolean().nullish(),
          sslMode: z.string().nullish(),
          authorizedNetworks: z.array(z.object({ value: z.string() })).nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

/** Copy a field the reply holds under its fact name; a field it left out stays out. */
function present<T>(name: string, value: T | null | undefined): Record<string, T> {
  return value == null ? {} : { [name]: value };
}

/**
 * The instance as the API described it. Which of `sslMode` and `requireSsl` wins, which backup flag means
 * point-in-time recovery for which engine, and that replicas have no backups of their own are the rules'
 * decisions (GCP-SQL-001/002/003).
 */
export function sqlInstanceFacts(
  raw: z.infer<typeof InstanceSchema>,
): z.input<typeof GcpSqlInstanceFactsSchema> {
  const backup = raw.settings?.backupConfiguration;
  const ip = raw.settings?.ipConfiguration;
  return {
    ...present("instanceType", raw.instanceType),
    ...present("masterInstanceName", raw.masterInstanceName),
    ...present("databaseVersion", raw.databaseVersion),
    ...present("backupEnabled", backup?.enabled),
    ...present("binaryLogEnabled", backup?.binaryLogEnabled),
    ...present("pointInTimeRecoveryEnabled", backup?.pointInTimeRecoveryEnabled),
    ...present("requireSsl", ip?.requireSsl),
    ...present("sslMode", ip?.sslMode),
    ...present("ipv4Enabled", ip?.ipv4Enabled),
    ...present(
      "authorizedNetworks",
      ip?.authorizedNetworks?.map((n) => n.value),
    ),
  };
}

/**
 * Cloud SQL instances of one project. A project with the Cloud SQL Admin API switched off has no instances
 * (they need it), so SERVICE_DISABLED lists nothing instead of failing the type.
 */
export const sqlInstance = defineResourceType<GcpHandle, unknown>({
  type: "gcp.sql.instance",
  service: "sql",
  scope: "perProject",
  facts: GcpSqlInstanceFactsSchema,
  calls: Object.values(SQL_CALLS),

  list(ctx) {
    const { sqladmin } = ctx.provider.apis;
    return unlessApiDisabled(
      ctx,
      "sql",
      listItems(ctx, SQL_CALLS.list, (page) =>
        sqladmin.instances.list({ project: ctx.where, maxResults: 500, ...page }),
      ),
    );
  },

  async read(ctx, item, facts) {
    return readListedItem(
      {
        call: SQL_CALLS.list,
        itemSchema: InstanceSchema,
        factsSchema: GcpSqlInstanceFactsSchema,
        factsOf: sqlInstanceFacts,
        identity: (name) => ({
          uid: `//sqladmin.googleapis.com/projects/${ctx.where}/instances/${name}`,
          name,
          account: ctx.where,
        }),
        describe: (raw) => ({
          ...(raw.region ? { region: raw.region } : {}),
          tags: raw.settings?.userLabels ?? {},
        }),
      },
      item,
      facts,
    );
  },
});
