import type { Instance } from "@aws-sdk/client-ec2";
import { Ec2InstanceFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { ec2Client } from "../ec2.js";
import { NETWORK_CALLS, type ReadOrError, readDefaultVpcs } from "../network.js";
import { loadEc2Sdk } from "../sdk.js";
import { tagsOf } from "../tags.js";

const DESCRIBE_INSTANCES = apiCall("ec2:DescribeInstances");

/**
 * EC2 instances of a region (DescribeInstances, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html)
 * with IsDefault of their VPC from one DescribeVpcs per region; whether an instance may sit in a default VPC is
 * the rule's judgement. A VPC that DescribeVpcs could not read leaves `vpcIsDefault` unreadable.
 */
export const ec2Instance = defineResourceType<AccountScope, Instance, ReadOrError<Map<string, boolean>>>({
  type: "aws.ec2.instance",
  service: "ec2",
  scope: "regional",
  facts: Ec2InstanceFactsSchema,
  calls: [DESCRIBE_INSTANCES, NETWORK_CALLS.describeVpcs],

  prepare: (ctx) => readDefaultVpcs(ctx),

  async *list(ctx) {
    const { DescribeInstancesCommand } = loadEc2Sdk();
    const client = ec2Client(ctx);
    const reservations = paginate(
      (NextToken) =>
        ctx.call(DESCRIBE_INSTANCES, () =>
          // MaxResults 5-1000 (API_DescribeInstances.html).
          client.send(new DescribeInstancesCommand({ NextToken, MaxResults: 1000 })),
        ),
      (page) => page.Reservations,
      (page) => page.NextToken,
    );
    for await (const reservation of reservations) yield* reservation.Instances ?? [];
  },

  async read(ctx, i, facts, vpcs) {
    if (!i.InstanceId) return undefined;
    const set = (key: string, value: unknown) => facts.set(key, value, DESCRIBE_INSTANCES);
    set("instanceId", i.InstanceId);
    set("state", i.State?.Name);
    set("instanceType", i.InstanceType);
    set("vpcId", i.VpcId);
    set("subnetId", i.SubnetId);
    set("publicIpAddress", i.PublicIpAddress);
    if (i.VpcId) {
      if ("error" in vpcs) facts.fail("vpcIsDefault", vpcs.error);
      else {
        const isDefault = vpcs.value.get(i.VpcId);
        if (isDefault === undefined)
          facts.fail("vpcIsDefault", new Error(`ec2:DescribeVpcs did not list ${i.VpcId}`));
        else facts.set("vpcIsDefault", isDefault, NETWORK_CALLS.describeVpcs);
      }
    }
    const tags = tagsOf(i.Tags);
    const scope = ctx.provider;
    return {
      uid: `arn:${scope.partition}:ec2:${ctx.where}:${scope.accountId}:instance/${i.InstanceId}`,
      name: tags.Name ?? i.InstanceId,
      account: scope.accountId,
      region: ctx.where,
      tags,
    };
  },
});
