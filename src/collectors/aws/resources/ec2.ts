import type { SecurityGroup, Volume } from "@aws-sdk/client-ec2";
import {
  Ec2EbsDefaultsFactsSchema,
  Ec2SecurityGroupFactsSchema,
  Ec2VolumeFactsSchema,
} from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { ec2Client, ingressRules } from "../ec2.js";
import { loadEc2Sdk } from "../sdk.js";
import { tagsOf } from "../tags.js";

const CALLS = {
  getEbsEncryptionByDefault: apiCall("ec2:GetEbsEncryptionByDefault"),
  getEbsDefaultKmsKeyId: apiCall("ec2:GetEbsDefaultKmsKeyId"),
  describeVolumes: apiCall("ec2:DescribeVolumes"),
  describeSecurityGroups: apiCall("ec2:DescribeSecurityGroups"),
};

/** One resource per region: the account's EBS encryption-by-default setting there. */
export const ebsDefaults = defineResourceType<AccountScope, string>({
  type: "aws.ec2.ebsDefaults",
  service: "ec2",
  scope: "regional",
  facts: Ec2EbsDefaultsFactsSchema,
  calls: [CALLS.getEbsEncryptionByDefault, CALLS.getEbsDefaultKmsKeyId],

  async *list(ctx) {
    yield ctx.where;
  },

  async read(ctx, region, facts) {
    const { GetEbsDefaultKmsKeyIdCommand, GetEbsEncryptionByDefaultCommand } = loadEc2Sdk();
    const client = ec2Client(ctx);
    facts.set("region", region, "settings: scanned region");
    await Promise.all([
      facts.read(
        "encryptionByDefault",
        () =>
          ctx.call(CALLS.getEbsEncryptionByDefault, () =>
            client.send(new GetEbsEncryptionByDefaultCommand({})),
          ),
        (r) => facts.set("encryptionByDefault", r.EbsEncryptionByDefault, CALLS.getEbsEncryptionByDefault),
      ),
      facts.read(
        "defaultKmsKeyId",
        () => ctx.call(CALLS.getEbsDefaultKmsKeyId, () => client.send(new GetEbsDefaultKmsKeyIdCommand({}))),
        (r) => facts.set("defaultKmsKeyId", r.KmsKeyId, CALLS.getEbsDefaultKmsKeyId),
      ),
    ]);
    const scope = ctx.provider;
    return {
      uid: `arn:${scope.partition}:ec2:${region}:${scope.accountId}:ebs-encryption-by-default`,
      name: `EBS defaults ${region}`,
      account: scope.accountId,
      region,
    };
  },
});

/**
 * EBS volumes of a region, from DescribeVolumes alone
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Volume.html).
 */
export const ec2Volume = defineResourceType<AccountScope, Volume>({
  type: "aws.ec2.volume",
  service: "ec2",
  scope: "regional",
  facts: Ec2VolumeFactsSchema,
  calls: [CALLS.describeVolumes],

  list(ctx) {
    const { DescribeVolumesCommand } = loadEc2Sdk();
    const client = ec2Client(ctx);
    return paginate(
      (NextToken) =>
        ctx.call(CALLS.describeVolumes, () =>
          client.send(new DescribeVolumesCommand({ NextToken, MaxResults: 500 })),
        ),
      (page) => page.Volumes,
      (page) => page.NextToken,
    );
  },

  async read(ctx, v, facts) {
    if (!v.VolumeId) return undefined;
    const set = (key: string, value: unknown) => facts.set(key, value, CALLS.describeVolumes);
    set("volumeId", v.VolumeId);
    set("encrypted", v.Encrypted);
    set("kmsKeyId", v.KmsKeyId);
    set("state", v.State);
    set("sizeGiB", v.Size);
    set("volumeType", v.VolumeType);
    set(
      "attachedTo",
      v.Attachments?.flatMap((a) => (a.InstanceId ? [a.InstanceId] : [])),
    );
    const tags = tagsOf(v.Tags);
    const scope = ctx.provider;
    return {
      uid: `arn:${scope.partition}:ec2:${ctx.where}:${scope.accountId}:volume/${v.VolumeId}`,
      name: tags.Name ?? v.VolumeId,
      account: scope.accountId,
      region: ctx.where,
      tags,
    };
  },
});

/**
 * Security groups of a region, from DescribeSecurityGroups alone
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroup.html).
 */
export const securityGroup = defineResourceType<AccountScope, SecurityGroup>({
  type: "aws.ec2.securityGroup",
  service: "ec2",
  scope: "regional",
  facts: Ec2SecurityGroupFactsSchema,
  calls: [CALLS.describeSecurityGroups],

  list(ctx) {
    const { DescribeSecurityGroupsCommand } = loadEc2Sdk();
    const client = ec2Client(ctx);
    return paginate(
      (NextToken) =>
        ctx.call(CALLS.describeSecurityGroups, () =>
          client.send(new DescribeSecurityGroupsCommand({ NextToken, MaxResults: 1000 })),
        ),
      (page) => page.SecurityGroups,
      (page) => page.NextToken,
    );
  },

  async read(ctx, g, facts) {
    if (!g.GroupId) return undefined;
    const set = (key: string, value: unknown) => facts.set(key, value, CALLS.describeSecurityGroups);
    set("groupId", g.GroupId);
    set("groupName", g.GroupName);
    set("vpcId", g.VpcId);
    set("description", g.Description);
    if (g.IpPermissions) {
      set("ingress", ingressRules(g.IpPermissions));
      set("ingressRules", g.IpPermissions.length);
    }
    const tags = tagsOf(g.Tags);
    const scope = ctx.provider;
    return {
      uid: `arn:${scope.partition}:ec2:${ctx.where}:${scope.accountId}:security-group/${g.GroupId}`,
      name: g.GroupName ?? g.GroupId,
      account: scope.accountId,
      region: ctx.where,
      tags,
    };
  },
});
