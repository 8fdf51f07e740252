import { z } from "zod";
import type { GcpBucketFactsSchema } from "../../core/facts/gcp.js";
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

export const BUCKETS_LIST = "storage.buckets.list";
export const BUCKET_IAM = "storage.buckets.getIamPolicy";

const BucketSchema = z.object({
  name: z.string(),
  location: z.string().nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  iamConfiguration: z
    .object({
      uniformBucketLevelAccess: z.object({ enabled: z.boolean().nullish() }).nullish(),
      publicAccessPrevention: z.string().nullish(),
    })
    .nullish(),
  versioning: z.object({ enabled: z.boolean().nullish() }).nullish(),
  retentionPolicy: z
    .object({ retentionPeriod: z.string().nullish(), isLocked: z.boolean().nullish() })
    .nullish(),
  encryption: z.object({ defaultKmsKeyName: z.string().nullish() }).nullish(),
});
const BucketListSchema = z.object({
  items: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
});
const IamPolicySchema = z.object({
  bindings: z.array(z.object({ role: z.string(), members: z.array(z.string()).nullish() })).nullish(),
});

const PUBLIC_MEMBERS = new Set(["allUsers", "allAuthenticatedUsers"]);

export function bucketFacts(raw: z.infer<typeof BucketSchema>): z.input<typeof GcpBucketFactsSchema> {
  const retentionSeconds = Number(raw.retentionPolicy?.retentionPeriod ?? 0);
  const kmsKey = raw.encryption?.defaultKmsKeyName ?? undefined;
  return {
    uniformBucketLevelAccess: raw.iamConfiguration?.uniformBucketLevelAccess?.enabled ?? false,
    publicAccessPrevention: raw.iamConfiguration?.publicAccessPrevention ?? "inherited",
    versioningEnabled: raw.versioning?.enabled ?? false,
    retention: raw.retentionPolicy
      ? { enabled: true, periodDays: retentionSeconds / 86400, locked: raw.retentionPolicy.isLocked ?? false }
      : { enabled: false, locked: false },
    encryption: { cmek: !!kmsKey, ...(kmsKey ? { defaultKmsKeyName: kmsKey } : {}) },
    ...(raw.location ? { location: raw.location } : {}),
  };
}

export function publicGrants(policy: unknown): { publicMembers: string[]; publicRoles: string[] } {
  const bindings = IamPolicySchema.parse(policy ?? {}).bindings ?? [];
  const members = new Set<string>();
  const roles = new Set<string>();
  for (const b of bindings) {
    for (const m of b.members ?? []) {
      if (PUBLIC_MEMBERS.has(m)) {
        members.add(m);
        roles.add(b.role);
      }
    }
  }
  return { publicMembers: [...members].sort(), publicRoles: [...roles].sort() };
}

/** Buckets of one project, each with its IAM policy (read as the pages arrive, bounded by the gate). */
export async function collectBuckets(session: GcpSession, project: string): Promise<void> {
  const { storage } = session.apis;
  const work: Promise<void>[] = [];
  try {
    for await (const items of pages(async (pageToken) => {
      const res = await call(session, BUCKETS_LIST, () =>
        storage.buckets.list({ project, maxResults: 1000, ...(pageToken ? { pageToken } : {}) }),
      );
      const page = BucketListSchema.parse(res.data);
      return { items: page.items ?? [], next: page.nextPageToken };
    })) {
      for (const item of items) {
        const parsed = BucketSchema.safeParse(item);
        if (parsed.success) work.push(readBucket(session, project, parsed.data));
        else reportInvalidItem(session, `${project}/storage`, "gcp.storage.bucket", parsed.error);
      }
    }
  } catch (error) {
    reportListFailure(
      session,
      `${project}/storage`,
      "gcp.storage.bucket",
      failureOf(error, BUCKETS_LIST),
      "buckets",
    );
  }
  await Promise.all(work);
}

async function readBucket(
  session: GcpSession,
  project: string,
  raw: z.infer<typeof BucketSchema>,
): Promise<void> {
  const attributes: Record<string, unknown> = bucketFacts(raw);
  const sources = sourcesFor(attributes, BUCKETS_LIST);
  const unreadable: Record<string, string> = {};
  try {
    const res = await call(session, BUCKET_IAM, () =>
      session.apis.storage.buckets.getIamPolicy({ bucket: raw.name }),
    );
    const grants = publicGrants(res.data);
    attributes.publicMembers = grants.publicMembers;
    attributes.publicRoles = grants.publicRoles;
    sources.publicMembers = sources.publicRoles = `api: ${BUCKET_IAM}`;
  } catch (error) {
    const failure = failureOf(error, BUCKET_IAM);
    if (failure.kind === "not-found") return; // deleted since it was listed
    unreadable.publicMembers = unreadable.publicRoles = failure.message;
  }
  emitGcp(session, {
    uid: `//storage.googleapis.com/projects/_/buckets/${raw.name}`,
    type: "gcp.storage.bucket",
    account: project,
    ...(raw.location ? { region: raw.location.toLowerCase() } : {}),
    name: raw.name,
    tags: raw.labels ?? {},
    attributes,
    sources,
    unreadable,
  });
}
