import { z } from "zod";
import { AzureNetworkSecurityGroupFactsSchema } from "../../core/facts/azure.js";
import { AZURE_CALLS } from "./calls.js";
import { armResourceType } from "./scope.js";

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
