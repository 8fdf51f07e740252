import type { RouteTable } from "@aws-sdk/client-ec2";
import { paginate } from "../kit/bounded.js";
import { apiCall } from "../kit/calls.js";
import type { TypeContext } from "../kit/resource-type.js";
import type { AccountScope } from "./context.js";
import { ec2Client } from "./ec2.js";
import { loadEc2Sdk } from "./sdk.js";

/**
 * The VPC facts several resource types need (is this VPC the region's default, which route tables apply to a
 * subnet), read once per region by the type's `prepare` and copied as returned: whether a subnet is routed to
 * an internet gateway is the rules' judgement, in CEL.
 */
export const NETWORK_CALLS = {
  describeVpcs: apiCall("ec2:DescribeVpcs"),
  describeRouteTables: apiCall("ec2:DescribeRouteTables"),
};

/** A route table's facts (src/core/facts/aws.ts RouteTableSchema) with the VPC it belongs to. */
export interface RouteTableFacts {
  vpcId: string | undefined;
  facts: {
    routeTableId: string;
    main: boolean;
    subnetIds: string[];
    routes: Record<string, string>[];
  };
}

/** Either what was read, or the error that kept it from being read (each item's facts become unreadable). */
export type ReadOrError<T> = { value: T } | { error: unknown };

async function attempt<T>(read: () => Promise<T>): Promise<ReadOrError<T>> {
  try {
    return { value: await read() };
  } catch (error) {
    return { error };
  }
}

/** IsDefault of every VPC of the region (DescribeVpcs, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Vpc.html). */
export function readDefaultVpcs(ctx: TypeContext<AccountScope>): Promise<ReadOrError<Map<string, boolean>>> {
  return attempt(async () => {
    const { DescribeVpcsCommand } = loadEc2Sdk();
    const client = ec2Client(ctx);
    const byId = new Map<string, boolean>();
    const vpcs = paginate(
      (NextToken) =>
        ctx.call(NETWORK_CALLS.describeVpcs, () =>
          // MaxResults 5-1000 (API_DescribeVpcs.html).
          client.send(new DescribeVpcsCommand({ NextToken, MaxResults: 1000 })),
        ),
      (page) => page.Vpcs,
      (page) => page.NextToken,
    );
    for await (const vpc of vpcs)
      if (vpc.VpcId && vpc.IsDefault !== undefined) byId.set(vpc.VpcId, vpc.IsDefault);
    return byId;
  });
}

/** Every route table of the region (DescribeRouteTables, API_RouteTable.html), routes and associations as returned. */
export function readRouteTables(ctx: TypeContext<AccountScope>): Promise<ReadOrError<RouteTableFacts[]>> {
  return attempt(async () => {
    const { DescribeRouteTablesCommand } = loadEc2Sdk();
    const client = ec2Client(ctx);
    const tables: RouteTableFacts[] = [];
    const all = paginate(
      (NextToken) =>
        ctx.call(NETWORK_CALLS.describeRouteTables, () =>
          // MaxResults 5-100 (API_DescribeRouteTables.html).
          client.send(new DescribeRouteTablesCommand({ NextToken, MaxResults: 100 })),
        ),
      (page) => page.RouteTables,
      (page) => page.NextToken,
    );
    for await (const table of all) {
      const facts = routeTableFacts(table);
      if (facts) tables.push({ vpcId: table.VpcId, facts });
    }
    return tables;
  });
}

function routeTableFacts(table: RouteTable): RouteTableFacts["facts"] | undefined {
  if (!table.RouteTableId) return undefined;
  const associations = table.Associations ?? [];
  return {
    routeTableId: table.RouteTableId,
    main: associations.some((a) => a.Main === true),
    subnetIds: associations.flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
    routes: (table.Routes ?? []).map((r) => {
      const route: Record<string, string> = {};
      const keep = (key: string, value: string | undefined) => {
        if (value !== undefined) route[key] = value;
      };
      keep("destinationCidr", r.DestinationCidrBlock);
      keep("destinationIpv6Cidr", r.DestinationIpv6CidrBlock);
      keep("destinationPrefixListId", r.DestinationPrefixListId);
      keep("gatewayId", r.GatewayId);
      keep("natGatewayId", r.NatGatewayId);
      keep("egressOnlyInternetGatewayId", r.EgressOnlyInternetGatewayId);
      keep("transitGatewayId", r.TransitGatewayId);
      keep("vpcPeeringConnectionId", r.VpcPeeringConnectionId);
      keep("networkInterfaceId", r.NetworkInterfaceId);
      keep("state", r.State);
      return route;
    }),
  };
}

/**
 * The route tables that can apply to some subnets of a VPC: its main table (which applies to every subnet
 * without an explicit association) and those explicitly associated with one of the subnets. Which one applies
 * to which subnet is left to the rule.
 */
export function tablesFor(
  tables: RouteTableFacts[],
  vpcId: string,
  subnetIds: readonly string[],
): RouteTableFacts["facts"][] {
  const wanted = new Set(subnetIds);
  return tables
    .filter((t) => t.vpcId === vpcId && (t.facts.main || t.facts.subnetIds.some((s) => wanted.has(s))))
    .map((t) => t.facts);
}
