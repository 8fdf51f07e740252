import { z } from "zod";
import { AzureNetworkSecurityGroupFactsSchema, AzureSubnetFactsSchema } from "../../core/facts/azure.js";
import { defineResourceType } from "../kit/resource-type.js";
import type { GenericResourceSummary } from "./arm.js";
import { AZURE_CALLS } from "./calls.js";
import { present } from "./present.js";
import { armResourceType, identityOf, listedOf, type SubscriptionScope, setAll } from "./scope.js";

export const NETWORK_API_VERSION = "2024-05-01";

const SecurityRuleSchema = z.object({
  name: z.string(),
  properties: z.object({
    priority: z.number().int(),
    direction: z.string(),
    access: z.string(),
    protocol: z.string(),
    sourceAddressPrefix: z.string().nullish(),
    sourceAddressPrefixes: z.array(z.string()).nullish(),
    destinationPortRange: z.string().nullish(),
    destinationPortRanges: z.array(z.string()).nullish(),
  }),
});
const NsgPropertiesSchema = z.object({
  securityRules: z.array(SecurityRuleSchema).nullish(),
  defaultSecurityRules: z.array(SecurityRuleSchema).nullish(),
});

/**
 * The security rules and default security rules of `networkSecurityGroups/read` (2024-05-01), inbound only,
 * with the single and list forms of source prefix and destination port merged as the API defines them.
 */
export function networkSecurityGroupFacts(
  properties: unknown,
): z.input<typeof AzureNetworkSecurityGroupFactsSchema> {
  const p = NsgPropertiesSchema.parse(properties ?? {});
  const inbound = [...(p.securityRules ?? []), ...(p.defaultSecurityRules ?? [])]
    .filter((r) => r.properties.direction.toLowerCase() === "inbound")
    .map((r) => ({
      name: r.name,
      priority: r.properties.priority,
      access: r.properties.access,
      protocol: r.properties.protocol,
      sources: [
        ...(r.properties.sourceAddressPrefix ? [r.properties.sourceAddressPrefix] : []),
        ...(r.properties.sourceAddressPrefixes ?? []),
      ],
      ports: [
        ...(r.properties.destinationPortRange ? [r.properties.destinationPortRange] : []),
        ...(r.properties.destinationPortRanges ?? []),
      ],
    }))
    .sort((a, b) => a.priority - b.priority);
  // Sorted by priority for reading; whether a port is open to the internet is decided by the rules in CEL
  // (AZ-NSG-001/002), which apply the NSG's first-match-by-priority semantics themselves.
  return { inboundRules: inbound };
}

export const networkSecurityGroup = armResourceType({
  type: "azure.network.nsg",
  service: "network",
  armType: "microsoft.network/networksecuritygroups",
  apiVersion: NETWORK_API_VERSION,
  facts: AzureNetworkSecurityGroupFactsSchema,
  read: AZURE_CALLS.readNsg,
  toFacts: networkSecurityGroupFacts,
});

const SubnetSchema = z.object({
  id: z.string(),
  name: z.string(),
  properties: z
    .object({
      addressPrefix: z.string().nullish(),
      addressPrefixes: z.array(z.string()).nullish(),
      networkSecurityGroup: z.object({ id: z.string() }).nullish(),
      delegations: z
        .array(z.object({ properties: z.object({ serviceName: z.string().nullish() }).nullish() }))
        .nullish(),
      provisioningState: z.string().nullish(),
    })
    .nullish(),
});
const VirtualNetworkSchema = z.object({
  properties: z.object({ subnets: z.array(z.unknown()).nullish() }).nullish(),
});

interface ListedSubnet {
  vnet: GenericResourceSummary;
  raw: unknown;
}

/**
 * One subnet of a `virtualNetworks/read` reply (2024-05-01, Subnet), as returned: ARM leaves
 * `networkSecurityGroup` out of a subnet that has none, so its absence here is what the API said. Whether a
 * subnet must have one (GatewaySubnet and AzureFirewallSubnet may not) is the rule's judgement (AZ-NET-001).
 */
export function subnetFacts(
  vnetName: string,
  subnet: z.infer<typeof SubnetSchema>,
): z.input<typeof AzureSubnetFactsSchema> {
  const p = subnet.properties ?? {};
  const prefixes = [...(p.addressPrefix ? [p.addressPrefix] : []), ...(p.addressPrefixes ?? [])];
  const delegations = (p.delegations ?? []).flatMap((d) =>
    d.properties?.serviceName ? [d.properties.serviceName] : [],
  );
  return {
    virtualNetwork: vnetName,
    ...(prefixes.length > 0 ? { addressPrefixes: prefixes } : {}),
    ...present("networkSecurityGroupId", p.networkSecurityGroup?.id),
    ...(p.delegations ? { delegations } : {}),
    ...present("provisioningState", p.provisioningState),
  };
}

/**
 * Subnets of every listed virtual network (one GET of the network, whose reply holds its subnets). A network
 * that cannot be read is reported on its own scope for the subnet type; the other networks are still read.
 */
export const virtualNetworkSubnet = defineResourceType<SubscriptionScope, ListedSubnet>({
  type: "azure.network.subnet",
  service: "network",
  scope: "perProject",
  facts: AzureSubnetFactsSchema,
  calls: [AZURE_CALLS.listResources, AZURE_CALLS.readVirtualNetwork],
  async *list(ctx) {
    // Every network is read at once (the scan's limiter bounds the calls in flight); a network that cannot be
    // read is reported on its own scope and the others still give their subnets.
    const reads: Promise<ListedSubnet[]>[] = [];
    for await (const vnet of listedOf(ctx, "microsoft.network/virtualnetworks")) {
      reads.push(
        ctx
          .callOrAbsent(AZURE_CALLS.readVirtualNetwork, async () =>
            VirtualNetworkSchema.parse(await ctx.provider.arm.get(vnet.id, NETWORK_API_VERSION)),
          )
          // Deleted between listing and reading: nothing to report.
          .then((reply) => (reply?.properties?.subnets ?? []).map((raw) => ({ vnet, raw })))
          .catch((err: unknown) => {
            ctx.provider.reportPartial(vnet.id, err, ["azure.network.subnet"]);
            return [];
          }),
      );
    }
    for (const subnets of await Promise.all(reads)) yield* subnets;
  },
  async read(ctx, { vnet, raw }, facts) {
    const parsed = SubnetSchema.safeParse(raw);
    const id = (raw as { id?: unknown } | null)?.id;
    if (!parsed.success) {
      if (typeof id !== "string") throw parsed.error;
      facts.fail(Object.keys(AzureSubnetFactsSchema.shape), parsed.error);
      return identityOf({ ...vnet, id, name: id.split("/").pop() ?? id }, ctx.provider.subscriptionId);
    }
    setAll(facts, subnetFacts(vnet.name, parsed.data), AZURE_CALLS.readVirtualNetwork);
    return {
      ...identityOf(vnet, ctx.provider.subscriptionId),
      uid: parsed.data.id,
      name: `${vnet.name}/${parsed.data.name}`,
      tags: {},
    };
  },
});
