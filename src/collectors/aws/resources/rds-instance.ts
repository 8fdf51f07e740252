import type { DBInstance } from "@aws-sdk/client-rds";
import { RdsInstanceFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadRdsSdk } from "../sdk.js";

const DESCRIBE = apiCall("rds:DescribeDBInstances");

/**
 * RDS DB instances of a region; the list call answers every fact, so there is no per-instance call. Facts are
 * the DBInstance fields as returned (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html):
 * a field missing from the reply stays absent and the rule reading it gives `error`.
 */
export const rdsInstance = defineResourceType<AccountScope, DBInstance>({
  type: "aws.rds.instance",
  service: "rds",
  scope: "regional",
  facts: RdsInstanceFactsSchema,
  calls: [DESCRIBE],

  list(ctx) {
    const { DescribeDBInstancesCommand, RDSClient } = loadRdsSdk();
    const client = ctx.provider.client("rds", ctx.where, (config) => new RDSClient(config));
    return paginate(
      (Marker) =>
        ctx.call(DESCRIBE, () => client.send(new DescribeDBInstancesCommand({ Marker, MaxRecords: 100 }))),
      (page) => page.DBInstances,
      (page) => page.Marker,
    );
  },

  async read(ctx, db, facts) {
    const id = db.DBInstanceIdentifier;
    if (!id) return undefined;
    const set = (key: string, value: unknown) => facts.set(key, value, DESCRIBE);
    set("identifier", id);
    set("engine", db.Engine);
    set("engineVersion", db.EngineVersion);
    set("instanceClass", db.DBInstanceClass);
    set("status", db.DBInstanceStatus);
    set("storageEncrypted", db.StorageEncrypted);
    set("kmsKeyId", db.KmsKeyId);
    set("backupRetentionDays", db.BackupRetentionPeriod);
    set("deletionProtection", db.DeletionProtection);
    set("publiclyAccessible", db.PubliclyAccessible);
    set("multiAz", db.MultiAZ);
    set("autoMinorVersionUpgrade", db.AutoMinorVersionUpgrade);
    set("iamAuthentication", db.IAMDatabaseAuthenticationEnabled);
    const scope = ctx.provider;
    return {
      uid: db.DBInstanceArn ?? `arn:${scope.partition}:rds:${ctx.where}:${scope.accountId}:db:${id}`,
      name: id,
      account: scope.accountId,
      region: ctx.where,
    };
  },
});
