import { z } from "zod";
import type { GcpSqlInstanceFactsSchema } from "../../core/facts/gcp.js";
import {
  call,
  emitGcp,
  failureOf,
  type GcpSession,
  pages,
  reportInvalidItem,
  reportListFailure,
  sourcesFor,
} from "./session.js";

export const SQL_INSTANCES_LIST = "cloudsql.instances.list";

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
const InstancesSchema = z.object({
  items: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
});

/** Copy the fields the reply holds, under their fact names; a field it left out stays out. */
function present<T>(name: string, value: T | null | undefined): Record<string, T> {
  return value == null ? {} : { [name]: value };
}

/**
 * The instance as the API described it. Which of `sslMode` and `requireSsl` wins, and which backup flag
 * means point-in-time recovery for which engine, are the rules' decisions (GCP-SQL-002, GCP-SQL-003).
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

export async function collectSqlInstances(session: GcpSession, project: string): Promise<void> {
  try {
    for await (const items of pages(async (pageToken) => {
      const res = await call(session, SQL_INSTANCES_LIST, () =>
        session.apis.sqladmin.instances.list({
          project,
          maxResults: 500,
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      const page = InstancesSchema.parse(res.data);
      return { items: page.items ?? [], next: page.nextPageToken };
    })) {
      for (const item of items) {
        const raw = InstanceSchema.safeParse(item);
        if (!raw.success) {
          reportInvalidItem(session, `${project}/sql`, "gcp.sql.instance", raw.error);
          continue;
        }
        const attributes = sqlInstanceFacts(raw.data);
        emitGcp(session, {
          uid: `//sqladmin.googleapis.com/projects/${project}/instances/${raw.data.name}`,
          type: "gcp.sql.instance",
          account: project,
          ...(raw.data.region ? { region: raw.data.region } : {}),
          name: raw.data.name,
          tags: raw.data.settings?.userLabels ?? {},
          attributes,
          sources: sourcesFor(attributes, SQL_INSTANCES_LIST),
          unreadable: {},
        });
      }
    }
  } catch (error) {
    reportListFailure(
      session,
      `${project}/sql`,
      "gcp.sql.instance",
      failureOf(error, SQL_INSTANCES_LIST),
      "Cloud SQL instances",
    );
  }
}
