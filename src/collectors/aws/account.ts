import { AwsAccountFactsSchema } from "../../core/facts/aws.js";
import type { ResourceInput } from "../../core/resource.js";
import { FactsBuilder } from "./context.js";

export const NOT_SELECTED = (service: string) =>
  `not collected: the ${service} service is not in aws.services`;

interface TrailSummary {
  multiRegion: boolean;
  logging: boolean | undefined;
  validated: boolean;
  encrypted: boolean;
}

/**
 * The `aws.account` resource, assembled from several services (IAM root and password policy, S3 account
 * Block Public Access, CloudTrail and Backup across regions). Regional summaries are facts only when every
 * region was read, or when what was read already settles the question (a logging multi-region trail exists).
 */
export class AccountFactsCollector {
  readonly facts = new FactsBuilder();
  private readonly trails = new Map<string, TrailSummary>();
  private trailFailure: unknown;
  private readonly backup = { plans: 0, withSelections: 0, regions: new Set<string>() };
  private backupFailure: unknown;
  /** Set when the service ran; a summary of a service that did not run is unreadable, not "none found". */
  cloudtrailScanned = false;
  backupScanned = false;

  constructor(
    readonly accountId: string,
    readonly partition: string,
  ) {
    this.facts.set("accountId", accountId, "sts: GetCallerIdentity");
  }

  addTrail(arn: string, summary: TrailSummary): void {
    this.trails.set(arn, summary);
  }

  trailRegionFailed(err: unknown): void {
    this.trailFailure ??= err;
  }

  addBackupPlan(region: string, hasSelections: boolean): void {
    this.backup.plans += 1;
    if (hasSelections) this.backup.withSelections += 1;
    this.backup.regions.add(region);
  }

  backupRegionFailed(err: unknown): void {
    this.backupFailure ??= err;
  }

  build(): ResourceInput {
    const trails = [...this.trails.values()];
    const multiRegionLogging = trails.some((t) => t.multiRegion && t.logging === true);
    const validated = trails.some((t) => t.multiRegion && t.logging === true && t.validated && t.encrypted);
    if (!this.cloudtrailScanned) this.facts.fail("cloudtrail", NOT_SELECTED("cloudtrail"));
    else if (this.trailFailure !== undefined && !validated) this.facts.fail("cloudtrail", this.trailFailure);
    else {
      this.facts.set(
        "cloudtrail",
        { trails: trails.length, multiRegionLogging, multiRegionLoggingValidated: validated },
        "api: cloudtrail:DescribeTrails, cloudtrail:GetTrailStatus",
      );
    }
    if (!this.backupScanned) this.facts.fail("backup", NOT_SELECTED("backup"));
    else if (this.backupFailure !== undefined && this.backup.withSelections === 0) {
      this.facts.fail("backup", this.backupFailure);
    } else {
      this.facts.set(
        "backup",
        {
          plans: this.backup.plans,
          plansWithSelections: this.backup.withSelections,
          regionsWithPlans: [...this.backup.regions].sort(),
        },
        "api: backup:ListBackupPlans, backup:ListBackupSelections",
      );
    }
    return this.facts.buildResource(AwsAccountFactsSchema, {
      uid: `arn:${this.partition}:iam::${this.accountId}:root`,
      type: "aws.account",
      name: this.accountId,
      account: this.accountId,
    });
  }
}
