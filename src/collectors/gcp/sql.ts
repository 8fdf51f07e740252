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
          authorizedNetworks: z.array(z.object({ value: z.string().nullish() })).nullish(),
        })
        .nullish(),
    })
    .nullish(),
});
const InstancesSchema = z.object({
  items: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
});

const SSL_ENFORCING_MODES = new Set(["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"]);

export function sqlInstanceFacts(
  raw: z.infer<typeof InstanceSchema>,
): z.input<typeof GcpSqlInstanceFactsSchema> {
  const backup = raw.settings?.backupConfiguration;
  const ip = raw.settings?.ipConfiguration;
  const version = raw.databaseVersion ?? "";
  // MySQL recovers to a point in time from binary logs; PostgreSQL and SQL Server have an explicit flag.
  const pitr = version.startsWith("MYSQL") ? backup?.binaryLogEnabled : backup?.pointInTimeRecoveryEnabled;
  // sslMode replaced requireSsl; when it is set it is the truth, otherwise the legacy flag is.
  const sslRequired = ip?.sslMode ? SSL_ENFORCING_MODES.has(ip.sslMode) : ip?.requireSsl === true;
  return {
    ...(raw.databaseVersion ? { databaseVersion: raw.databaseVersion } : {}),
    backupEnabled: backup?.enabled ?? false,
    pointInTimeRecoveryEnabled: pitr ?? false,
    sslRequired,
    ...(ip?.sslMode ? { sslMode: ip.sslMode } : {}),
    publicIp: ip?.ipv4Enabled ?? false,
    openToInternet: (ip?.authorizedNetworks ?? []).some((n) => n.value === "0.0.0.0/0" || n.value === "::/0"),
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
