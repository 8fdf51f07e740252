import type { LogGroup } from "@aws-sdk/client-cloudwatch-logs";
import { LogGroupFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadCloudTrailSdk, loadLogsSdk } from "../sdk.js";

const CALLS = {
  describeLogGroups: apiCall("logs:DescribeLogGroups"),
  describeTrails: apiCall("cloudtrail:DescribeTrails"),
};

/** Log group ARN (without a trailing `:*`) → the trails that deliver to it, or the error that kept them unread. */
type TrailTargets = { byGroup: Map<string, string[]> } | { error: unknown };

/** DescribeLogGroups returns `arn` ending in `:*`; CloudTrail's CloudWatchLogsLogGroupArn may or may not. */
const groupArn = (arn: string) => arn.replace(/:\*$/, "");

/**
 * CloudWatch Logs log groups of a region (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html).
 * `retentionInDays` is copied as returned: absent means the events never expire, which the rule states. Which
 * trails deliver to a group comes from the trails' CloudWatchLogsLogGroupArn (one DescribeTrails per region,
 * shadow trails included, so a multi-region trail homed here is seen), so the rules can hold audit logs to the
 * profile's retention without judging every application log group.
 */
export const logsLogGroup = defineResourceType<AccountScope, LogGroup, TrailTargets>({
  type: "aws.logs.logGroup",
  service: "logs",
  scope: "regional",
  facts: LogGroupFactsSchema,
  calls: Object.values(CALLS),

  async prepare(ctx) {
    const { CloudTrailClient, DescribeTrailsCommand } = loadCloudTrailSdk();
    const client = ctx.provider.client("cloudtrail", ctx.where, (config) => new CloudTrailClient(config));
    try {
      const reply = await ctx.call(CALLS.describeTrails, () =>
        client.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
      );
      const byGroup = new Map<string, string[]>();
      for (const trail of reply.trailList ?? []) {
        if (!trail.CloudWatchLogsLogGroupArn || !trail.TrailARN) continue;
        const key = groupArn(trail.CloudWatchLogsLogGroupArn);
        byGroup.set(key, [...(byGroup.get(key) ?? []), trail.TrailARN]);
      }
      return { byGroup };
    } catch (error) {
      return { error };
    }
  },

  list(ctx) {
    const { CloudWatchLogsClient, DescribeLogGroupsCommand } = loadLogsSdk();
    const client = ctx.provider.client("logs", ctx.where, (config) => new CloudWatchLogsClient(config));
    return paginate(
      (nextToken) =>
        ctx.call(CALLS.describeLogGroups, () =>
          // limit 1-50 (API_DescribeLogGroups.html).
          client.send(new DescribeLogGroupsCommand({ nextToken, limit: 50 })),
        ),
      (page) => page.logGroups,
      (page) => page.nextToken,
    );
  },

  async read(ctx, group, facts, trails) {
    const name = group.logGroupName;
    if (!name) return undefined;
    const scope = ctx.provider;
    const arn = groupArn(
      group.arn ?? `arn:${scope.partition}:logs:${ctx.where}:${scope.accountId}:log-group:${name}`,
    );
    const set = (key: string, value: unknown) => facts.set(key, value, CALLS.describeLogGroups);
    set("logGroupName", name);
    set("arn", arn);
    set("retentionInDays", group.retentionInDays);
    set(
      "createdAt",
      group.creationTime !== undefined ? new Date(group.creationTime).toISOString() : undefined,
    );
    set("storedBytes", group.storedBytes);
    set("kmsKeyId", group.kmsKeyId);
    if ("error" in trails) facts.fail("cloudTrailTrails", trails.error);
    else facts.set("cloudTrailTrails", (trails.byGroup.get(arn) ?? []).sort(), CALLS.describeTrails);
    return { uid: arn, name, account: scope.accountId, region: ctx.where };
  },
});
