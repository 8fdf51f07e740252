import { z } from "zod";
import { GcpCryptoKeyFactsSchema } from "../../../core/facts/gcp.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { GcpHandle } from "../handle.js";
import { listPages, readListedItem, unlessApiDisabled } from "../listed-items.js";

export const KMS_CALLS = {
  locations: apiCall("cloudkms.locations.list"),
  keyRings: apiCall("cloudkms.keyRings.list"),
  cryptoKeys: apiCall("cloudkms.cryptoKeys.list"),
};

const LocationsSchema = z.object({
  locations: z.array(z.object({ locationId: z.string() })).nullish(),
  nextPageToken: z.string().nullish(),
});
const KeyRingsSchema = z.object({
  keyRings: z.array(z.object({ name: z.string() })).nullish(),
  nextPageToken: z.string().nullish(),
});
/** The fields of a `CryptoKey` (Cloud KMS API v1) that facts are read from. */
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

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** `projects/p/locations/l/keyRings/r/cryptoKeys/k` → `r/k`; the location of a key name. */
const keyName = (name: string) => name.split("/").slice(-3).join("/").replace("/cryptoKeys/", "/");
const locationOf = (name: string) => /\/locations\/([^/]+)\//.exec(name)?.[1];

/**
 * Every key of the project: locations (or `kmsLocations`) → key rings → keys, since key rings cannot be listed
 * across locations.
 */
async function* cryptoKeysOf(ctx: TypeContext<GcpHandle>): AsyncGenerator<unknown> {
  const { kms } = ctx.provider.apis;
  const project = `projects/${ctx.where}`;
  const locations =
    ctx.provider.settings.kmsLocations ??
    (await collect(
      listPages(
        ctx,
        KMS_CALLS.locations,
        LocationsSchema,
        (page) => kms.listLocations({ parent: project, ...page }),
        (page) => (page.locations ?? []).map((l) => l.locationId),
      ),
    ));
  // Every location is asked at once (a project lists some 40, most without key rings); the limiter
  // bounds the calls in flight.
  const ringsPerLocation = await Promise.all(
    locations.map((location) =>
      collect(
        listPages(
          ctx,
          KMS_CALLS.keyRings,
          KeyRingsSchema,
          (page) => kms.listKeyRings({ parent: `${project}/locations/${location}`, pageSize: 1000, ...page }),
          (page) => (page.keyRings ?? []).map((r) => r.name),
        ),
      ),
    ),
  );
  for (const ring of ringsPerLocation.flat()) {
    yield* listPages(
      ctx,
      KMS_CALLS.cryptoKeys,
      CryptoKeysSchema,
      (page) => kms.listCryptoKeys({ parent: ring, pageSize: 1000, ...page }),
      (page) => page.cryptoKeys ?? [],
    );
  }
}

/**
 * Cloud KMS keys of one project (see cryptoKeysOf). A project with the Cloud KMS API switched off has no keys.
 */
export const kmsCryptoKey = defineResourceType<GcpHandle, unknown>({
  type: "gcp.kms.cryptoKey",
  service: "kms",
  scope: "perProject",
  facts: GcpCryptoKeyFactsSchema,
  calls: Object.values(KMS_CALLS),

  list(ctx) {
    return unlessApiDisabled(ctx, "kms", cryptoKeysOf(ctx));
  },

  async read(ctx, item, facts) {
    return readListedItem(
      {
        call: KMS_CALLS.cryptoKeys,
        itemSchema: CryptoKeySchema,
        factsSchema: GcpCryptoKeyFactsSchema,
        factsOf: cryptoKeyFacts,
        identity: (name) => {
          const location = locationOf(name);
          return {
            uid: `//cloudkms.googleapis.com/${name}`,
            name: keyName(name),
            account: ctx.where,
            ...(location ? { region: location } : {}),
          };
        },
        describe: (raw) => ({ tags: raw.labels ?? {} }),
      },
      item,
      facts,
    );
  },
});
