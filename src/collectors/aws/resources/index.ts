import type { AnyResourceType } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { backupPlan } from "./backup-plan.js";
import { cloudtrailEventDataStore } from "./cloudtrail-event-data-store.js";
import { cloudtrailTrail } from "./cloudtrail-trail.js";
import { ebsDefaults, ec2Volume, securityGroup } from "./ec2.js";
import { ec2Instance } from "./ec2-instance.js";
import { ecrRepository } from "./ecr-repository.js";
import { elbv2Listener } from "./elbv2-listener.js";
import { iamUser } from "./iam-user.js";
import { inspector2Account } from "./inspector2-account.js";
import { kmsKey } from "./kms-key.js";
import { logsLogGroup } from "./logs-log-group.js";
import { rdsInstance } from "./rds-instance.js";
import { s3Bucket } from "./s3-bucket.js";

/**
 * The AWS resource types declared on the collector kit, one line each. Importing this loads no SDK: each
 * declaration loads its client package on first use. The scan runs every declaration whose service is
 * selected, once per account (`global`) or once per scanned region (`regional`).
 */
export const AWS_RESOURCE_DECLARATIONS: readonly AnyResourceType<AccountScope>[] = [
  kmsKey,
  rdsInstance,
  ebsDefaults,
  ec2Volume,
  securityGroup,
  cloudtrailTrail,
  backupPlan,
  iamUser,
  s3Bucket,
  inspector2Account,
  ecrRepository,
  ec2Instance,
  elbv2Listener,
  logsLogGroup,
  cloudtrailEventDataStore,
];
