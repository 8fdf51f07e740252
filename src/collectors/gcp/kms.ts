import { z } from "zod";
import type { GcpCryptoKeyFactsSchema } from "../../core/facts/gcp.js";
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

export const KMS_LOCATIONS_LIST = "cloudkms.locations.list";
export const KMS_KEYRINGS_LIST = "cloudkms.keyRings.list";
export const KMS_KEYS_LIST = "cloudkms.cryptoKeys.list";
const TYPE = "gcp.kms.cryptoKey";

const LocationsSchema = z.object({
  locations: z.array(z.object({ locationId: z.string() })).nullish(),
  nextPageToken: z.string().nullish(),
});
const KeyRingsSchema = z.object({
  keyRings: z.array(z.object({ name: z.string() })).nullish(),
  nextPageToken: z.string().nullish(),
});
const CryptoKeySchema = z.object({
  name: z.string(),
  purpose: z.string().nullish(),
  rotationPeriod: z.string().nullish(),
  nextRotationTime: z.string().nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  primary: z
    .object({
      state: z.string().nullish(),
      algorithm: z.string().nullish(),
      protectionLevel: z.string().nullish(),
    })
    .nullish(),
  versionTemplate: z
    .object({ algorithm: z.string().nullish(), protectionLevel: z.string().nullish() })
    .nullish(),
});
const CryptoKeysSchema = z.object({
  cryptoKeys: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
});

/** `7776000s` → 90 (days). */
function durationDays(value: string | null | undefined): number | undefined {
  const match = value ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  return match ? Number(match[1]) / 86400 : undefined;
}

export function cryptoKeyFacts(
  key: z.infer<typeof CryptoKeySchema>,
): z.input<typeof GcpCryptoKeyFactsSchema> {
  const rotationPeriodDays = durationDays(key.rotationPeriod);
  const next = key.nextRotationTime ? new Date(key.nextRotationTime) : undefined;
  const algorithm = key.primary?.algorithm ?? key.versionTemplate?.algorithm;
  const protectionLevel = key.primary?.protectionLevel ?? key.versionTemplate?.protectionLevel;
  return {
    ...(key.purpose ? { purpose: key.purpose } : {}),
    ...(key.primary?.state ? { state: key.primary.state } : {}),
    ...(protectionLevel ? { protectionLevel } : {}),
    ...(algorithm ? { algorithm } : {}),
    ...(rotationPeriodDays !== undefined ? { rotationPeriodDays } : {}),
    ...(next && !Number.isNaN(next.getTime()) ? { nextRotationTime: next.toISOString() } : {}),
    keyRing: key.name.split("/cryptoKeys/")[0] ?? "",
  };
}

/** Locations → key rings → keys. Key rings cannot be listed across locations, so each location is asked. */
export async function collectCryptoKeys(session: GcpSession, project: string): Promise<void> {
  const { kms } = session.apis;
  const scope = `${project}/kms`;
  let locations: string[];
  try {
    locations = session.settings.kmsLocations ?? [];
    if (locations.length === 0) {
      for await (const items of pages(async (pageToken) => {
        const data = await call(session, KMS_LOCATIONS_LIST, () =>
          kms.listLocations({ parent: `projects/${project}`, ...(pageToken ? { pageToken } : {}) }),
        );
        const page = LocationsSchema.parse(data);
        return { items: (page.locations ?? []).map((l) => l.locationId), next: page.nextPageToken };
      })) {
        locations.push(...items);
      }
    }
  } catch (error) {
    reportListFailure(session, scope, TYPE, failureOf(error, KMS_LOCATIONS_LIST), "Cloud KMS locations");
    return;
  }
  await Promise.all(
    locations.map(async (location) => {
      const parent = `projects/${project}/locations/${location}`;
      try {
        const rings: string[] = [];
        for await (const items of pages(async (pageToken) => {
          const data = await call(session, KMS_KEYRINGS_LIST, () =>
            kms.listKeyRings({ parent, pageSize: 1000, ...(pageToken ? { pageToken } : {}) }),
          );
          const page = KeyRingsSchema.parse(data);
          return { items: (page.keyRings ?? []).map((r) => r.name), next: page.nextPageToken };
        })) {
          rings.push(...items);
        }
        await Promise.all(rings.map((ring) => collectRing(session, project, location, ring)));
      } catch (error) {
        reportListFailure(
          session,
          `${scope}/${location}`,
          TYPE,
          failureOf(error, KMS_KEYRINGS_LIST),
          "key rings",
        );
      }
    }),
  );
}

async function collectRing(
  session: GcpSession,
  project: string,
  location: string,
  ring: string,
): Promise<void> {
  try {
    for await (const items of pages(async (pageToken) => {
      const data = await call(session, KMS_KEYS_LIST, () =>
        session.apis.kms.listCryptoKeys({
          parent: ring,
          pageSize: 1000,
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      const page = CryptoKeysSchema.parse(data);
      return { items: page.cryptoKeys ?? [], next: page.nextPageToken };
    })) {
      for (const item of items) {
        const key = CryptoKeySchema.safeParse(item);
        if (!key.success) {
          reportInvalidItem(session, ring, "gcp.kms.cryptoKey", key.error);
          continue;
        }
        const attributes = cryptoKeyFacts(key.data);
        emitGcp(session, {
          uid: `//cloudkms.googleapis.com/${key.data.name}`,
          type: "gcp.kms.cryptoKey",
          account: project,
          region: location,
          name: key.data.name.split("/").slice(-3).join("/").replace("/cryptoKeys/", "/"),
          tags: key.data.labels ?? {},
          attributes,
          sources: sourcesFor(attributes, KMS_KEYS_LIST),
          unreadable: {},
        });
      }
    }
  } catch (error) {
    reportListFailure(session, ring, TYPE, failureOf(error, KMS_KEYS_LIST), "crypto keys");
  }
}
