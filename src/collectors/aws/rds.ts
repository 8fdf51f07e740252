import { RdsInstanceFactsSchema } from "../../core/facts/aws.js";
import { paginate } from "../kit/bounded.js";
import { type AccountScope, FactsBuilder } from "./context.js";
import { AWS_CALLS as C } from "./permissions.js";
import { loadRdsSdk } from "./sdk.js";

const { DescribeDBInstancesCommand, RDSClient } = loadRdsSdk();

/** RDS DB instances of a region; the list call answers every fact, so there is no per-instance call. */
export async function collectRds(scope: AccountScope, region: string): Promise<number> {
  const client = scope.client("rds", region, (config) => new RDSClient(config));
  const instances = paginate(
    (Marker) =>
      scope.call("rds", region, C.rdsDescribeDBInstances, () =>
        client.send(new DescribeDBInstancesCommand({ Marker, MaxRecords: 100 })),
      ),
    (page) => page.DBInstances,
    (page) => page.Marker,
  );
  let count = 0;
  try {
    for await (const db of instances) {
      const id = db.DBInstanceIdentifier;
      if (!id) continue;
      const facts = new FactsBuilder();
      const set = (key: string, value: unknown) => facts.set(key, value, C.rdsDescribeDBInstances);
      set("identifier", id);
      set("engine", db.Engine ?? "unknown");
      set("engineVersion", db.EngineVersion);
      set("instanceClass", db.DBInstanceClass);
      set("status", db.DBInstanceStatus);
      set("storageEncrypted", db.StorageEncrypted === true);
      set("kmsKeyId", db.KmsKeyId);
      set("backupRetentionDays", db.BackupRetentionPeriod ?? 0);
      set("deletionProtection", db.DeletionProtection === true);
      set("publiclyAccessible", db.PubliclyAccessible === true);
      set("multiAz", db.MultiAZ === true);
      set("autoMinorVersionUpgrade", db.AutoMinorVersionUpgrade === true);
      set("iamAuthentication", db.IAMDatabaseAuthenticationEnabled === true);
      scope.ctx.emit(
        facts.buildResource(RdsInstanceFactsSchema, {
          uid: db.DBInstanceArn ?? `arn:${scope.partition}:rds:${region}:${scope.accountId}:db:${id}`,
          type: "aws.rds.instance",
          name: id,
          account: scope.accountId,
          region,
        }),
      );
      count += 1;
    }
  } catch (err) {
    scope.reportListFailure(`${region}/rds`, err, ["aws.rds.instance"]);
  }
  return count;
}
