/**
 * Resource types the AWS collector emits. Kept apart from the collector so the registry (and the scan planner)
 * can know them without loading any AWS SDK module.
 */
export const AWS_RESOURCE_TYPES = [
  "aws.account",
  "aws.s3.bucket",
  "aws.kms.key",
  "aws.iam.user",
  "aws.cloudtrail.trail",
  "aws.backup.plan",
  "aws.rds.instance",
  "aws.ec2.volume",
  "aws.ec2.ebsDefaults",
  "aws.ec2.securityGroup",
  "aws.inspector2.account",
  "aws.ecr.repository",
  "aws.ec2.instance",
  "aws.elbv2.listener",
  "aws.logs.logGroup",
  "aws.cloudtrail.eventDataStore",
] as const;

export type AwsResourceType = (typeof AWS_RESOURCE_TYPES)[number];
