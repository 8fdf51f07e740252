import type { Trail } from "@aws-sdk/client-cloudtrail";
import { CloudTrailTrailFactsSchema } from "../../core/facts/aws.js";
import { forEachBounded } from "../kit/bounded.js";
import type { AccountFactsCollector } from "./account.js";
import { type AccountScope, FactsBuilder } from "./context.js";
import { AWS_CALLS as C } from "./permissions.js";
import { loadCloudTrailSdk } from "./sdk.js";

const { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } = loadCloudTrailSdk();
type CloudTrailClient = InstanceType<typeof CloudTrailClient>;

function cloudtrailClient(scope: AccountScope, region: string): CloudTrailClient {
  return scope.client("cloudtrail", region, (config) => new CloudTrailClient(config));
}

/**
 * Trails that apply to a region, including multi-region trails homed elsewhere (so a restricted region list
 * still sees the organisation's trail). Each trail is emitted once per account: the first region to see it
 * claims it, and its status is read in its home region, where GetTrailStatus answers.
 */
export async function collectCloudTrail(
  scope: AccountScope,
  region: string,
  account: AccountFactsCollector,
  claimed: Set<string>,
): Promise<number> {
  const client = cloudtrailClient(scope, region);
  let trails: Trail[];
  try {
    const reply = await scope.call("cloudtrail", region, C.cloudtrailDescribeTrails, () =>
      client.send(new DescribeTrailsCommand({ includeShadowTrails: true })),
    );
    trails = reply.trailList ?? [];
  } catch (err) {
    account.trailRegionFailed(err);
    scope.reportListFailure(`${region}/cloudtrail`, err, ["aws.cloudtrail.trail"]);
    return 0;
  }
  let count = 0;
  const mine = trails.filter((t) => t.TrailARN && !claimed.has(t.TrailARN));
  for (const t of mine) claimed.add(t.TrailARN ?? "");
  await forEachBounded(mine, scope.settings.concurrency, async (trail) => {
    const arn = trail.TrailARN ?? "";
    const home = trail.HomeRegion ?? region;
    const facts = new FactsBuilder();
    const multiRegion = trail.IsMultiRegionTrail === true;
    facts.set("name", trail.Name ?? arn, C.cloudtrailDescribeTrails);
    facts.set("arn", arn, C.cloudtrailDescribeTrails);
    facts.set("homeRegion", home, C.cloudtrailDescribeTrails);
    facts.set("multiRegion", multiRegion, C.cloudtrailDescribeTrails);
    facts.set("organizationTrail", trail.IsOrganizationTrail === true, C.cloudtrailDescribeTrails);
    facts.set("logFileValidation", trail.LogFileValidationEnabled === true, C.cloudtrailDescribeTrails);
    if (trail.KmsKeyId) facts.set("kmsKeyId", trail.KmsKeyId, C.cloudtrailDescribeTrails);
    facts.set("encrypted", trail.KmsKeyId !== undefined && trail.KmsKeyId !== "", C.cloudtrailDescribeTrails);
    if (trail.S3BucketName) facts.set("s3BucketName", trail.S3BucketName, C.cloudtrailDescribeTrails);
    facts.set(
      "includeGlobalServiceEvents",
      trail.IncludeGlobalServiceEvents === true,
      C.cloudtrailDescribeTrails,
    );
    let logging: boolean | undefined;
    const homeClient = cloudtrailClient(scope, home);
    await facts.read(
      ["logging", "latestDeliveryAt"],
      () =>
        scope.call("cloudtrail", home, C.cloudtrailGetTrailStatus, () =>
          homeClient.send(new GetTrailStatusCommand({ Name: arn })),
        ),
      (status) => {
        logging = status.IsLogging === true;
        facts.set("logging", logging, C.cloudtrailGetTrailStatus);
        if (status.LatestDeliveryTime) {
          facts.set("latestDeliveryAt", status.LatestDeliveryTime.toISOString(), C.cloudtrailGetTrailStatus);
        } else delete facts.unreadable.latestDeliveryAt;
      },
    );
    if (logging === undefined) account.trailRegionFailed(new Error(facts.unreadable.logging));
    account.addTrail(arn, {
      multiRegion,
      logging,
      validated: trail.LogFileValidationEnabled === true,
      encrypted: facts.attributes.encrypted === true,
    });
    scope.ctx.emit(
      facts.buildResource(CloudTrailTrailFactsSchema, {
        uid: arn,
        type: "aws.cloudtrail.trail",
        name: trail.Name ?? arn,
        account: scope.accountId,
        region: home,
      }),
    );
    count += 1;
  });
  return count;
}
