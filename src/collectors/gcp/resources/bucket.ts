import { z } from "zod";
import { GcpBucketFactsSchema } from "../../../core/facts/gcp.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import { parseReply, unreadableItem } from "../errors.js";
import type { GcpHandle } from "../handle.js";
import { listItems } from "../listed-items.js";

export const BUCKET_CALLS = {
  list: apiCall("storage.buckets.list"),
  getIamPolicy: apiCall("storage.buckets.getIamPolicy"),
  // Resource Manager v1 reference: "Authorization requires the following IAM permission … orgpolicy.policy.get".
  getEffectiveOrgPolicy: apiCall(
    "cloudresourcemanager.projects.getEffectiveOrgPolicy",
    "orgpolicy.policy.get",
  ),
};

/** The organization policy constraint that enforces public access prevention on every bucket it applies to. */
export const PUBLIC_ACCESS_PREVENTION_CONSTRAINT = "constraints/storage.publicAccessPrevention";
const OrgPolicySchema = z.object({
  constraint: z.string().nullish(),
  booleanPolicy: z.object({ enforced: z.boolean().nullish() }).nullish(),
});
type OrgPolicy = z.infer<typeof OrgPolicySchema>;
/** Per project: the effective public access prevention policy, read at most once and only when a bucket needs it. */
type BucketShared = { publicAccessPreventionPolicy: () => Promise<OrgPolicy> };

/** The fields of a `storage#bucket` (Storage JSON API v1, Bucket) that facts are read from. */
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
  lifecycle: z
    .object({
      rule: z
        .array(
          z.object({
            action: z.object({ type: z.string() }),
            condition: z
              .object({
                age: z.number().int().nullish(),
                isLive: z.boolean().nullish(),
                daysSinceNoncurrentTime: z.number().int().nullish(),
                numNewerVersions: z.number().int().nullish(),
                createdBefore: z.string().nullish(),
                matchesPrefix: z.array(z.string()).nullish(),
                matchesSuffix: z.array(z.string()).nullish(),
                matchesStorageClass: z.array(z.string()).nullish(),
              })
              .nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  billing: z.object({ requesterPays: z.boolean().nullish() }).nullish(),
});
type Bucket = z.infer<typeof BucketSchema>;
export const IamPolicySchema = z.object({
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

const bucketUid = (name: string) => `//storage.googleapis.com/projects/_/buckets/${name}`;

/** The bucket's facts as listed: only what the reply holds (a missing `versioning` stays missing). */
export function bucketFacts(raw: Bucket): Facts {
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
    ...(raw.lifecycle?.rule ? { lifecycleRules: raw.lifecycle.rule.map(lifecycleRuleFacts) } : {}),
    ...(kmsKey ? { defaultKmsKeyName: kmsKey } : {}),
    ...(requesterPays != null ? { requesterPays } : {}),
    ...(raw.location ? { location: raw.location } : {}),
  };
}

/** One lifecycle rule: its action type and only the conditions the reply holds. */
function lifecycleRuleFacts(rule: NonNullable<NonNullable<Bucket["lifecycle"]>["rule"]>[number]) {
  const c = rule.condition ?? {};
  const keep = <K extends keyof typeof c>(key: K) => (c[key] != null ? { [key]: c[key] } : {});
  return {
    action: rule.action.type,
    ...keep("age"),
    ...keep("isLive"),
    ...keep("daysSinceNoncurrentTime"),
    ...keep("numNewerVersions"),
    ...keep("createdBefore"),
    ...keep("matchesPrefix"),
    ...keep("matchesSuffix"),
    ...keep("matchesStorageClass"),
  };
}

/** The policy's bindings as returned (absent when the policy has none); members are not judged here. */
export function iamBindingFacts(policy: z.infer<typeof IamPolicySchema>): Facts["iamBindings"] {
  return policy.bindings?.map((b) => ({
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
  }));
}

/**
 * Cloud Storage buckets of one project, each with its IAM policy. The policy is read at version 3
 * (`optionsRequestedPolicyVersion`; version 1, the default, fails on a policy with IAM Conditions) and a
 * Requester Pays bucket's read is billed to `userProject` ("Required for Requester Pays buckets"): the
 * configured billing project, else the bucket's own (Storage v1 discovery document, buckets.getIamPolicy).
 */
export const storageBucket = defineResourceType<GcpHandle, unknown, BucketShared>({
  type: "gcp.storage.bucket",
  service: "storage",
  scope: "perProject",
  facts: GcpBucketFactsSchema,
  calls: Object.values(BUCKET_CALLS),

  async prepare(ctx) {
    let policy: Promise<OrgPolicy> | undefined;
    return {
      publicAccessPreventionPolicy: () => {
        policy ??= ctx
          .call(BUCKET_CALLS.getEffectiveOrgPolicy, () =>
            ctx.provider.apis.orgPolicies.projects.getEffectiveOrgPolicy({
              resource: `projects/${ctx.where}`,
              requestBody: { constraint: PUBLIC_ACCESS_PREVENTION_CONSTRAINT },
            }),
          )
          .then((reply) => parseReply(BUCKET_CALLS.getEffectiveOrgPolicy, OrgPolicySchema, reply.data));
        return policy;
      },
    };
  },

  list(ctx) {
    const { storage } = ctx.provider.apis;
    return listItems(ctx, BUCKET_CALLS.list, (page) =>
      storage.buckets.list({ project: ctx.where, maxResults: 1000, ...page }),
    );
  },

  async read(ctx, item, facts, shared) {
    const parsed = BucketSchema.safeParse(item);
    if (!parsed.success) {
      return unreadableItem(facts, GcpBucketFactsSchema, BUCKET_CALLS.list, item, parsed.error, (name) => ({
        uid: bucketUid(name),
        name,
        account: ctx.where,
      }));
    }
    const raw = parsed.data;
    for (const [key, value] of Object.entries(bucketFacts(raw))) facts.set(key, value, BUCKET_CALLS.list);
    // A bucket that does not enforce public access prevention itself ("inherited") is covered when the
    // organization policy constraint is enforced on its project; the rule decides, from this fact.
    if (raw.iamConfiguration?.publicAccessPrevention !== "enforced") {
      await facts.read("publicAccessPreventionOrgPolicy", shared.publicAccessPreventionPolicy, (policy) => {
        const enforced = policy.booleanPolicy?.enforced;
        facts.set(
          "publicAccessPreventionOrgPolicy",
          enforced != null ? { enforced } : {},
          BUCKET_CALLS.getEffectiveOrgPolicy,
        );
      });
    }
    let deleted = false;
    await facts.read(
      "iamBindings",
      async () => {
        const reply = await ctx.callOrAbsent(BUCKET_CALLS.getIamPolicy, () =>
          ctx.provider.apis.storage.buckets.getIamPolicy({
            bucket: raw.name,
            optionsRequestedPolicyVersion: 3,
            ...(raw.billing?.requesterPays
              ? { userProject: ctx.provider.settings.billingProject ?? ctx.where }
              : {}),
          }),
        );
        return reply && parseReply(BUCKET_CALLS.getIamPolicy, IamPolicySchema, reply.data);
      },
      (policy) => {
        // No policy: the bucket was deleted since it was listed, so it is not emitted.
        if (!policy) deleted = true;
        else facts.set("iamBindings", iamBindingFacts(policy), BUCKET_CALLS.getIamPolicy);
      },
    );
    if (deleted) return undefined;
    return {
      uid: bucketUid(raw.name),
      name: raw.name,
      account: ctx.where,
      ...(raw.location ? { region: raw.location.toLowerCase() } : {}),
      tags: raw.labels ?? {},
    };
  },
});
