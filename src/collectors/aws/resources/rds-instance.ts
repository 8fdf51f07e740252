import type { DBInstance } from "@aws-sdk/client-rds";
import { RdsInstanceFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import type { FactsRecord } from "../../kit/facts.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import {
  NETWORK_CALLS,
  type ReadOrError,
  type RouteTableFacts,
  readDefaultVpcs,
  readRouteTables,
  tablesFor,
} from "../network.js";
import { loadRdsSdk } from "../sdk.js";

const DESCRIBE = apiCall("rds:DescribeDBInstances");
const DESCRIBE_PARAMETERS = apiCall("rds:DescribeDBParameters");

/**
 * The parameters that make an engine refuse unencrypted connections: `rds.force_ssl` (PostgreSQL, SQL Server),
 * `require_secure_transport` (MySQL, MariaDB). Only these are kept from a group's few hundred parameters.
 */
const TLS_PARAMETERS = new Set(["rds.force_ssl", "require_secure_transport"]);

type TlsParameters = { name: string; value?: string; source?: string }[];

/** Region-wide reads shared by every instance: VPCs, route tables, and each parameter group read once. */
interface RdsShared {
  vpcs: ReadOrError<Map<string, boolean>>;
  routeTables: ReadOrError<RouteTableFacts[]>;
  parameterGroups: Map<string, Promise<TlsParameters>>;
}

/**
 * RDS DB instances of a region. Facts are the DBInstance fields as returned
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html): a field missing from the reply
 * stays absent and the rule reading it gives `error`. Region-wide reads made once in `prepare` add the network
 * placement (VPC default-ness, the route tables that can apply to the subnets) and each parameter group is read
 * once for its TLS parameters; a failed one makes only its facts unreadable.
 */
export const rdsInstance = defineResourceType<AccountScope, DBInstance, RdsShared>({
  type: "aws.rds.instance",
  service: "rds",
  scope: "regional",
  facts: RdsInstanceFactsSchema,
  calls: [DESCRIBE, DESCRIBE_PARAMETERS, NETWORK_CALLS.describeVpcs, NETWORK_CALLS.describeRouteTables],

  async prepare(ctx) {
    const [vpcs, routeTables] = await Promise.all([readDefaultVpcs(ctx), readRouteTables(ctx)]);
    return { vpcs, routeTables, parameterGroups: new Map() };
  },

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

  async read(ctx, db, facts, shared) {
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
    readNetwork(db, facts, shared);
    const groups = db.DBParameterGroups?.flatMap((g) =>
      g.DBParameterGroupName ? [g.DBParameterGroupName] : [],
    );
    set("parameterGroups", groups);
    if (groups) {
      await facts.read(
        "tlsParameters",
        async () => {
          const merged: TlsParameters = [];
          for (const group of groups) merged.push(...(await parametersOf(ctx, shared, group)));
          return merged;
        },
        (merged) => facts.set("tlsParameters", merged, DESCRIBE_PARAMETERS),
      );
    }
    const scope = ctx.provider;
    return {
      uid: db.DBInstanceArn ?? `arn:${scope.partition}:rds:${ctx.where}:${scope.accountId}:db:${id}`,
      name: id,
      account: scope.accountId,
      region: ctx.where,
    };
  },
});

/** Subnet group, VPC default-ness and the route tables that can apply to the instance's subnets, as returned. */
function readNetwork(db: DBInstance, facts: FactsRecord, shared: RdsShared): void {
  const vpcId = db.DBSubnetGroup?.VpcId;
  const subnetIds = db.DBSubnetGroup?.Subnets?.flatMap((s) =>
    s.SubnetIdentifier ? [s.SubnetIdentifier] : [],
  );
  facts.set("vpcId", vpcId, DESCRIBE);
  facts.set("subnetIds", subnetIds, DESCRIBE);
  if (!vpcId) return;
  if ("error" in shared.vpcs) facts.fail("vpcIsDefault", shared.vpcs.error);
  else {
    const isDefault = shared.vpcs.value.get(vpcId);
    if (isDefault === undefined)
      facts.fail("vpcIsDefault", new Error(`ec2:DescribeVpcs did not list ${vpcId}`));
    else facts.set("vpcIsDefault", isDefault, NETWORK_CALLS.describeVpcs);
  }
  if (!subnetIds) return;
  if ("error" in shared.routeTables) facts.fail("routeTables", shared.routeTables.error);
  else
    facts.set(
      "routeTables",
      tablesFor(shared.routeTables.value, vpcId, subnetIds),
      NETWORK_CALLS.describeRouteTables,
    );
}

/**
 * The TLS parameters of one DB parameter group, read once per group and region (DescribeDBParameters,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameters.html; its Filters parameter
 * is not supported, so every page is read). ParameterValue is omitted for a parameter left at its engine default.
 */
function parametersOf(
  ctx: TypeContext<AccountScope>,
  shared: RdsShared,
  group: string,
): Promise<TlsParameters> {
  let pending = shared.parameterGroups.get(group);
  if (!pending) {
    pending = (async () => {
      const { DescribeDBParametersCommand, RDSClient } = loadRdsSdk();
      const client = ctx.provider.client("rds", ctx.where, (config) => new RDSClient(config));
      const found: TlsParameters = [];
      const all = paginate(
        (Marker) =>
          ctx.call(DESCRIBE_PARAMETERS, () =>
            // MaxRecords 20-100 (API_DescribeDBParameters.html).
            client.send(
              new DescribeDBParametersCommand({ DBParameterGroupName: group, Marker, MaxRecords: 100 }),
            ),
          ),
        (page) => page.Parameters,
        (page) => page.Marker,
      );
      for await (const p of all) {
        if (!p.ParameterName || !TLS_PARAMETERS.has(p.ParameterName)) continue;
        found.push({
          name: p.ParameterName,
          ...(p.ParameterValue !== undefined ? { value: p.ParameterValue } : {}),
          ...(p.Source !== undefined ? { source: p.Source } : {}),
        });
      }
      return found;
    })();
    shared.parameterGroups.set(group, pending);
  }
  return pending;
}
