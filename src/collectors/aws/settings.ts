import { z } from "zod";
import { parseSettings } from "../kit/settings.js";
import { regionProblems } from "./regions.js";

/** Services the collector can read; `services` in the settings narrows a scan to some of them. */
export const AWS_SERVICES = [
  "s3",
  "kms",
  "iam",
  "cloudtrail",
  "backup",
  "rds",
  "ec2",
  "inspector2",
  "ecr",
  "elbv2",
  "logs",
] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * The `aws:` section of assay.yaml. Credentials come from the SDK's default provider chain (environment, shared
 * files, SSO, instance/container roles) or a named `profile`; static `credentials` exist for emulators and tests
 * and must never be committed for a real account.
 */
export const AwsSettingsSchema = z.strictObject({
  profile: z.string().min(1).optional(),
  /**
   * Regions to scan; default: every region enabled for the account (ec2:DescribeRegions). Names are checked
   * against the AWS SDK's partition data before any call (regions.ts).
   */
  regions: z.array(z.string().min(1)).min(1).optional(),
  /** Region for global services (IAM, STS, Organizations, S3 bucket listing). */
  homeRegion: z.string().min(1).default("us-east-1"),
  /** Send every client to this endpoint (an emulator, a private endpoint speaking the AWS protocols). */
  endpoint: z.url().optional(),
  /** Path-style S3 addressing (`endpoint/bucket`), needed by most emulators. */
  forcePathStyle: z.boolean().default(false),
  credentials: z
    .strictObject({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
    })
    .optional(),
  /** Scan these accounts by assuming each role (instead of the caller's own account). */
  roleArns: z.array(z.string().regex(ROLE_ARN, "must be an IAM role ARN")).min(1).optional(),
  externalId: z.string().min(2).optional(),
  /** Scan every active account of the caller's AWS Organization (the caller must be the management account). */
  organization: z.boolean().default(false),
  /** Role assumed in each member account when `organization` is true. */
  organizationRoleName: z.string().min(1).default("OrganizationAccountAccessRole"),
  services: z.array(z.enum(AWS_SERVICES)).min(1).optional(),
  /** Calls in flight per account, service and region. */
  concurrency: z.number().int().min(1).max(128).default(16),
  /** Accounts scanned at the same time. */
  accountConcurrency: z.number().int().min(1).max(16).default(2),
  /**
   * Attempts per call when AWS throttles it (exponential backoff with jitter). A 5xx or a dropped connection is
   * tried twice at most, a denial or an unreachable endpoint once (src/collectors/kit/attempts.ts).
   */
  maxAttempts: z.number().int().min(1).max(20).default(5),
  /** Time budget of one call, every attempt and wait included. */
  callTimeoutSeconds: z.number().int().min(1).max(600).default(60),
  /** How long to wait for the IAM credential report to be generated. */
  credentialReportTimeoutSeconds: z.number().int().min(1).max(600).default(120),
});

export type AwsSettings = z.infer<typeof AwsSettingsSchema>;

/**
 * The `aws:` section parsed and checked before any call: schema problems and unknown region names are one
 * user error naming each setting (exit 2), not 41 `error` findings from a scan that reached nothing.
 */
export function parseAwsSettings(raw: unknown): AwsSettings {
  return parseSettings("aws", AwsSettingsSchema, raw, regionProblems);
}
