import type { IpPermission } from "@aws-sdk/client-ec2";
import type { TypeContext } from "../kit/resource-type.js";
import type { AccountScope } from "./context.js";
import { loadEc2Sdk } from "./sdk.js";

/** The region's EC2 client, one per account and region (created on first use, the SDK loaded then). */
export const ec2Client = (ctx: TypeContext<AccountScope>) =>
  ctx.provider.client("ec2", ctx.where, (config) => new (loadEc2Sdk().EC2Client)(config));

/**
 * One ingress permission of a security group per source, as DescribeSecurityGroups returned it
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html): the protocol as written
 * (`tcp`, `6`, `-1` for all), the port range when the reply has one, and exactly one source (an IPv4 or IPv6
 * CIDR, another security group, a prefix list). Whether that is "open to the world" is the rules' judgement
 * (`isAnyAddress`, `portInRange` in CEL), not the collector's.
 */
export interface IngressRule {
  protocol?: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  sourceGroup?: string;
  prefixList?: string;
  description?: string;
}

export function ingressRules(permissions: readonly IpPermission[]): IngressRule[] {
  const out: IngressRule[] = [];
  for (const p of permissions) {
    const base: IngressRule = {
      ...(p.IpProtocol !== undefined ? { protocol: p.IpProtocol } : {}),
      ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
      ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
    };
    const described = (description: string | undefined) => (description ? { description } : {});
    for (const r of p.IpRanges ?? []) {
      if (r.CidrIp) out.push({ ...base, cidr: r.CidrIp, ...described(r.Description) });
    }
    for (const r of p.Ipv6Ranges ?? []) {
      if (r.CidrIpv6) out.push({ ...base, cidr: r.CidrIpv6, ...described(r.Description) });
    }
    for (const g of p.UserIdGroupPairs ?? []) {
      if (g.GroupId) out.push({ ...base, sourceGroup: g.GroupId, ...described(g.Description) });
    }
    for (const l of p.PrefixListIds ?? []) {
      if (l.PrefixListId) out.push({ ...base, prefixList: l.PrefixListId, ...described(l.Description) });
    }
  }
  return out;
}
