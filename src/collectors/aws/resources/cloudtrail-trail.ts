import type { Trail } from "@aws-sdk/client-cloudtrail";
import { CloudTrailTrailFactsSchema } from "../../../core/facts/aws.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadCloudTrailSdk } from "../sdk.js";

const CALLS = {
  describeTrails: apiCall("cloudtrail:DescribeTrails"),
  getTrailStatus: apiCall("cloudtrail:GetTrailStatus"),
};

const cloudtrailClient = (ctx: TypeContext<AccountScope>, region: string) =>
  ctx.provider.client("cloudtrail", region, (config) => new (loadCloudTrailSdk().CloudTrailClient)(config));

/**
 * Trails that apply to a region, including multi-region trails homed elsewhere (so a restricted region list
 * still sees the organisation's trail). Each trail is emitted once per account: the first region to see it
 * claims it, and its status is read in its home region, where GetTrailStatus answers. Every trail is also
 * listed on the account resource (account.ts), and a region that could not be listed marks it incomplete.
 */
export const cloudtrailTrail = defineResourceType<AccountScope, Trail>({
  type: "aws.cloudtrail.trail",
  service: "cloudtrail",
  scope: "regional",
  facts: CloudTrailTrailFactsSchema,
  calls: Object.values(CALLS),

  async *list(ctx) {
    const { DescribeTrailsCommand } = loadCloudTrailSdk();
    const client = cloudtrailClient(ctx, ctx.where);
    let trails: Trail[];
    try {
      const reply = await ctx.call(CALLS.describeTrails, () =>
        client.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
      );
      trails = reply.trailList ?? [];
    } catch (err) {
      ctx.provider.accountFacts.trailRegionFailed(err);
      throw err;
    }
    const claimed = ctx.provider.claimedTrails;
    for (const trail of trails) {
      if (!trail.TrailARN || claimed.has(trail.TrailARN)) continue;
      claimed.add(trail.TrailARN);
      yield trail;
    }
  },

  async read(ctx, trail, facts) {
    const { GetTrailStatusCommand } = loadCloudTrailSdk();
    const arn = trail.TrailARN ?? "";
    const home = trail.HomeRegion ?? ctx.where;
    const set = (key: string, value: unknown) => facts.set(key, value, CALLS.describeTrails);
    set("name", trail.Name ?? arn);
    set("arn", arn);
    set("homeRegion", home);
    set("multiRegion", trail.IsMultiRegionTrail);
    set("organizationTrail", trail.IsOrganizationTrail);
    set("logFileValidation", trail.LogFileValidationEnabled);
    // As returned; what an absent KmsKeyId means is stated in AWS-CT-003.
    if (trail.KmsKeyId) set("kmsKeyId", trail.KmsKeyId);
    if (trail.S3BucketName) set("s3BucketName", trail.S3BucketName);
    set("includeGlobalServiceEvents", trail.IncludeGlobalServiceEvents);
    const homeClient = cloudtrailClient(ctx, home);
    await facts.read(
      ["logging", "latestDeliveryAt"],
      () => ctx.call(CALLS.getTrailStatus, () => homeClient.send(new GetTrailStatusCommand({ Name: arn }))),
      (status) => {
        facts.set("logging", status.IsLogging, CALLS.getTrailStatus);
        facts.set("latestDeliveryAt", status.LatestDeliveryTime?.toISOString(), CALLS.getTrailStatus);
      },
    );
    const logging = facts.attributes.logging as boolean | undefined;
    const account = ctx.provider.accountFacts;
    if (logging === undefined) {
      account.trailRegionFailed(
        new Error(facts.unreadable.logging ?? "cloudtrail:GetTrailStatus did not report IsLogging"),
      );
    }
    account.addTrail({
      arn,
      homeRegion: home,
      ...(trail.IsMultiRegionTrail !== undefined ? { multiRegion: trail.IsMultiRegionTrail } : {}),
      ...(logging !== undefined ? { logging } : {}),
      ...(trail.LogFileValidationEnabled !== undefined
        ? { logFileValidation: trail.LogFileValidationEnabled }
        : {}),
      ...(trail.KmsKeyId ? { kmsKeyId: trail.KmsKeyId } : {}),
    });
    return { uid: arn, name: trail.Name ?? arn, account: ctx.provider.accountId, region: home };
  },
});
