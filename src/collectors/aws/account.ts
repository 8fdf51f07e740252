import { type AwsAccountFacts, AwsAccountFactsSchema } from "../../core/facts/aws.js";
import type { ResourceInput } from "../../core/resource.js";
import { FactsBuilder } from "./context.js";

export const NOT_SELECTED = (service: string) =>
  `not collected: the ${service} service is not in aws.services`;

type AccountTrail = NonNullable<AwsAccountFacts["cloudtrail"]>["trails"][number];
type AccountBackupPlan = NonNullable<AwsAccountFacts["backup"]>["plans"][number];

/**
 * The `aws.account` resource, assembled from several services (IAM root and password policy, S3 account
 * Block Public Access, CloudTrail and Backup across regions). The regional parts are lists of what the APIs
 * returned (each trail with its status, each plan with its selection count), facts only when every region and
 * item was read: a list with a gap could make "no logging trail" or "no plan backs anything up" look proven.
 * What the lists mean (a logging multi-region trail exists) is the rules' judgement.
 */
export class AccountFactsCollector {
  readonly facts = new FactsBuilder();
  private readonly trails = new Map<string, AccountTrail>();
  private trailFailure: unknown;
  private readonly backupPlans: AccountBackupPlan[] = [];
  private backupFailure: unknown;
  /** Set when the service ran; a list of a service that did not run is unreadable, not "none found". */
  cloudtrailScanned = false;
  backupScanned = false;

  constructor(
    readonly accountId: string,
    readonly partition: string,
  ) {
    this.facts.set("accountId", accountId, "sts: GetCallerIdentity");
  }

  addTrail(trail: AccountTrail): void {
    this.trails.set(trail.arn, trail);
  }

  trailRegionFailed(err: unknown): void {
    this.trailFailure ??= err;
  }

  addBackupPlan(plan: AccountBackupPlan): void {
    this.backupPlans.push(plan);
  }

  backupRegionFailed(err: unknown): void {
    this.backupFailure ??= err;
  }

  build(): ResourceInput {
    if (!this.cloudtrailScanned) this.facts.fail("cloudtrail", NOT_SELECTED("cloudtrail"));
    else if (this.trailFailure !== undefined) this.facts.fail("cloudtrail", this.trailFailure);
    else {
      const trails = [...this.trails.values()].sort((a, b) => a.arn.localeCompare(b.arn));
      this.facts.set("cloudtrail", { trails }, "api: cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus");
    }
    if (!this.backupScanned) this.facts.fail("backup", NOT_SELECTED("backup"));
    else if (this.backupFailure !== undefined) this.facts.fail("backup", this.backupFailure);
    else {
      const plans = [...this.backupPlans].sort(
        (a, b) => a.region.localeCompare(b.region) || a.planId.localeCompare(b.planId),
      );
      this.facts.set("backup", { plans }, "api: backup:ListBackupPlans, backup:ListBackupSelections");
    }
    return this.facts.buildResource(AwsAccountFactsSchema, {
      uid: `arn:${this.partition}:iam::${this.accountId}:root`,
      type: "aws.account",
      name: this.accountId,
      account: this.accountId,
    });
  }
}
