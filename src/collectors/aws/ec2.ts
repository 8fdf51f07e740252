import type { IpPermission } from "@aws-sdk/client-ec2";
import {
  Ec2EbsDefaultsFactsSchema,
  Ec2SecurityGroupFactsSchema,
  Ec2VolumeFactsSchema,
} from "../../core/facts/aws.js";
import { paginate } from "../kit/bounded.js";
import { type AccountScope, FactsBuilder } from "./context.js";
import { AWS_CALLS as C } from "./permissions.js";
import { loadEc2Sdk } from "./sdk.js";

const {
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  EC2Client,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
} = loadEc2Sdk();
type EC2Client = InstanceType<typeof EC2Client>;

export { DescribeRegionsCommand };

/** Ports of databases and data stores that should never face the internet. */
export const DATABASE_PORTS = [1433, 1521, 2483, 3306, 5432, 5439, 6379, 9042, 9200, 11211, 27017] as const;
const WORLD_V4 = "0.0.0.0/0";
const WORLD_V6 = "::/0";

export function ec2Client(scope: AccountScope, region: string): EC2Client {
  return scope.client("ec2", region, (config) => new EC2Client(config));
}

export interface OpenIngress {
  protocol: string;
  fromPort: number;
  toPort: number;
  source: string;
}

/** Ingress permissions open to the whole internet, flattened one per source range. */
export function openIngress(permissions: readonly IpPermission[]): OpenIngress[] {
  const out: OpenIngress[] = [];
  for (const p of permissions) {
    const protocol = p.IpProtocol ?? "-1";
    const all = protocol === "-1";
    const fromPort = all || p.FromPort === undefined || p.FromPort === -1 ? 0 : p.FromPort;
    const toPort = all || p.ToPort === undefined || p.ToPort === -1 ? 65535 : p.ToPort;
    const sources = [
      ...(p.IpRanges ?? []).flatMap((r) => (r.CidrIp === WORLD_V4 ? [WORLD_V4] : [])),
      ...(p.Ipv6Ranges ?? []).flatMap((r) => (r.CidrIpv6 === WORLD_V6 ? [WORLD_V6] : [])),
    ];
    for (const source of sources) out.push({ protocol: all ? "all" : protocol, fromPort, toPort, source });
  }
  return out;
}

function reachesPort(open: OpenIngress[], port: number): boolean {
  return open.some(
    (o) =>
      (o.protocol === "all" || o.protocol === "tcp" || o.protocol === "6") &&
      o.fromPort <= port &&
      port <= o.toPort,
  );
}

export function openToWorld(open: OpenIngress[]) {
  return {
    ssh: reachesPort(open, 22),
    rdp: reachesPort(open, 3389),
    databasePorts: DATABASE_PORTS.filter((port) => reachesPort(open, port)),
    allTraffic: open.some((o) => o.protocol === "all" || (o.fromPort === 0 && o.toPort === 65535)),
  };
}

/** EBS default encryption (one resource per region), volumes and security groups of a region. */
export async function collectEc2(scope: AccountScope, region: string): Promise<number> {
  const client = ec2Client(scope, region);
  const [defaults, volumes, groups] = await Promise.all([
    collectEbsDefaults(scope, client, region),
    collectVolumes(scope, client, region),
    collectSecurityGroups(scope, client, region),
  ]);
  return defaults + volumes + groups;
}

async function collectEbsDefaults(scope: AccountScope, client: EC2Client, region: string): Promise<number> {
  const facts = new FactsBuilder();
  facts.set("region", region, "settings: scanned region");
  await Promise.all([
    facts.read(
      "encryptionByDefault",
      () =>
        scope.call("ec2", region, C.ec2GetEbsEncryptionByDefault, () =>
          client.send(new GetEbsEncryptionByDefaultCommand({})),
        ),
      (r) =>
        facts.set("encryptionByDefault", r.EbsEncryptionByDefault === true, C.ec2GetEbsEncryptionByDefault),
    ),
    facts.read(
      "defaultKmsKeyId",
      () =>
        scope.call("ec2", region, C.ec2GetEbsDefaultKmsKeyId, () =>
          client.send(new GetEbsDefaultKmsKeyIdCommand({})),
        ),
      (r) => facts.set("defaultKmsKeyId", r.KmsKeyId, C.ec2GetEbsDefaultKmsKeyId),
    ),
  ]);
  scope.ctx.emit(
    facts.buildResource(Ec2EbsDefaultsFactsSchema, {
      uid: `arn:${scope.partition}:ec2:${region}:${scope.accountId}:ebs-encryption-by-default`,
      type: "aws.ec2.ebsDefaults",
      name: `EBS defaults ${region}`,
      account: scope.accountId,
      region,
    }),
  );
  return 1;
}

async function collectVolumes(scope: AccountScope, client: EC2Client, region: string): Promise<number> {
  let count = 0;
  const volumes = paginate(
    (NextToken) =>
      scope.call("ec2", region, C.ec2DescribeVolumes, () =>
        client.send(new DescribeVolumesCommand({ NextToken, MaxResults: 500 })),
      ),
    (page) => page.Volumes,
    (page) => page.NextToken,
  );
  try {
    for await (const v of volumes) {
      if (!v.VolumeId) continue;
      const facts = new FactsBuilder();
      const set = (key: string, value: unknown) => facts.set(key, value, C.ec2DescribeVolumes);
      set("volumeId", v.VolumeId);
      set("encrypted", v.Encrypted === true);
      set("kmsKeyId", v.KmsKeyId);
      set("state", v.State ?? "unknown");
      set("sizeGiB", v.Size ?? 0);
      set("volumeType", v.VolumeType);
      set(
        "attachedTo",
        (v.Attachments ?? []).flatMap((a) => (a.InstanceId ? [a.InstanceId] : [])),
      );
      const tags = Object.fromEntries((v.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : [])));
      scope.ctx.emit(
        facts.buildResource(Ec2VolumeFactsSchema, {
          uid: `arn:${scope.partition}:ec2:${region}:${scope.accountId}:volume/${v.VolumeId}`,
          type: "aws.ec2.volume",
          name: tags.Name ?? v.VolumeId,
          account: scope.accountId,
          region,
          tags,
        }),
      );
      count += 1;
    }
  } catch (err) {
    scope.reportListFailure(`${region}/ec2`, err, ["aws.ec2.volume"]);
  }
  return count;
}

async function collectSecurityGroups(
  scope: AccountScope,
  client: EC2Client,
  region: string,
): Promise<number> {
  let count = 0;
  const groups = paginate(
    (NextToken) =>
      scope.call("ec2", region, C.ec2DescribeSecurityGroups, () =>
        client.send(new DescribeSecurityGroupsCommand({ NextToken, MaxResults: 1000 })),
      ),
    (page) => page.SecurityGroups,
    (page) => page.NextToken,
  );
  try {
    for await (const g of groups) {
      if (!g.GroupId) continue;
      const facts = new FactsBuilder();
      const set = (key: string, value: unknown) => facts.set(key, value, C.ec2DescribeSecurityGroups);
      const open = openIngress(g.IpPermissions ?? []);
      set("groupId", g.GroupId);
      set("groupName", g.GroupName ?? g.GroupId);
      set("vpcId", g.VpcId);
      set("description", g.Description);
      set("openIngress", open);
      set("openToWorld", openToWorld(open));
      set("ingressRules", g.IpPermissions?.length ?? 0);
      const tags = Object.fromEntries((g.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : [])));
      scope.ctx.emit(
        facts.buildResource(Ec2SecurityGroupFactsSchema, {
          uid: `arn:${scope.partition}:ec2:${region}:${scope.accountId}:security-group/${g.GroupId}`,
          type: "aws.ec2.securityGroup",
          name: g.GroupName ?? g.GroupId,
          account: scope.accountId,
          region,
          tags,
        }),
      );
      count += 1;
    }
  } catch (err) {
    scope.reportListFailure(`${region}/ec2`, err, ["aws.ec2.securityGroup"]);
  }
  return count;
}
