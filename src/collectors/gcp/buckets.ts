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
  /** int64 seconds, sent as a JSON string by the Storage JSON API. */
  retentionPolicy: z
    .object({ retentionPeriod: z.string().regex(/^\d+$/).nullish(), isLocked: z.boolean().nullish() })
    .nullish(),
  encryption: z.object({ defaultKmsKeyName: z.string().nullish() }).nullish(),
  billing: z.object({ requesterPays: z.boolean().nullish() }).nullish(),
});
const BucketListSchema = z.object({
  items: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
});
const IamPolicySchema = z.object({
  bindings: z
    .array(
      z.object({
        role: z.string(),
        members: z.array(z.string()).nullish(),
        condition: z.object({ title: z.string().nullish(), expression: z.string() }).nullish(),
      }),
    )
    .nullish(),
});

type Facts = z.input<typeof GcpBucketFactsSchema>;

/** The bucket's facts as listed: only what the reply holds (a missing `versioning` stays missing). */
export function bucketFacts(raw: z.infer<typeof BucketSchema>): Facts {
  const ubla = raw.iamConfiguration?.uniformBucketLevelAccess?.enabled;
  const pap = raw.iamConfiguration?.publicAccessPrevention;
  const versioning = raw.versioning?.enabled;
  const retention = raw.retentionPolicy;
  const period = retention?.retentionPeriod;
  const kmsKey = raw.encryption?.defaultKmsKeyName;
  const requesterPays = raw.billing?.requesterPays;
  return {
    ...(ubla != null ? { uniformBucketLevelAccess: ubla } : {}),
    ...(pap != null ? { publicAccessPrevention: pap } : {}),
    ...(versioning != null ? { versioningEnabled: versioning } : {}),
    ...(retention
      ? {
          retentionPolicy: {
            ...(period != null ? { periodDays: Number(period) / 86400 } : {}),
            ...(retention.isLocked != null ? { isLocked: retention.isLocked } : {}),
          },
        }
      : {}),
    ...(kmsKey ? { defaultKmsKeyName: kmsKey } : {}),
    ...(requesterPays != null ? { requesterPays } : {}),
    ...(raw.location ? { location: raw.location } : {}),
  };
}

/** The policy's bindings as returned (absent when the policy has none); members are not judged here. */
export function iamBindingFacts(policy: unknown): Pick<Facts, "iamBindings"> {
  const bindings = IamPolicySchema.parse(policy ?? {}).bindings;
  if (!bindings) return {};
  return {
    iamBindings: bindings.map((b) => ({
      role: b.role,
      ...(b.members ? { members: b.members } : {}),
      ...(b.condition
        ? {
            condition: {
              expression: b.condition.expression,
              ...(b.condition.title ? { title: b.condition.title } : {}),
            },
          }
        : {}),
    })),
  };
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
      session.apis.storage.buckets.getIamPolicy({
        bucket: raw.name,
        // Version 1 (the default) fails on a policy with IAM Conditions; 3 returns them (Storage v1
        // discovery document, buckets.getIamPolicy `optionsRequestedPolicyVersion`).
        optionsRequestedPolicyVersion: 3,
        // "Required for Requester Pays buckets" (same document, `userProject`): bill the configured
        // billing project, else the project that owns the bucket.
        ...(raw.billing?.requesterPays ? { userProject: session.settings.billingProject ?? project } : {}),
      }),
    );
    Object.assign(attributes, iamBindingFacts(res.data));
    sources.iamBindings = `api: ${BUCKET_IAM}`;
  } catch (error) {
    const failure = failureOf(error, BUCKET_IAM);
    if (failure.kind === "not-found") return; // deleted since it was listed
    unreadable.iamBindings = failure.message;
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
