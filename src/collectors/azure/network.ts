import { z } from "zod";
import type { AzureNetworkSecurityGroupFactsSchema } from "../../core/facts/azure.js";

export const NETWORK_API_VERSION = "2024-05-01";
export const NSG_READ = "Microsoft.Network/networkSecurityGroups/read";

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

/** Source prefixes that mean "anyone on the internet" to an NSG. */
const INTERNET_SOURCES = new Set(["*", "internet", "any", "0.0.0.0/0", "0.0.0.0", "::/0"]);

interface InboundRule {
  name: string;
  priority: number;
  access: string;
  protocol: string;
  sources: string[];
  ports: string[];
}

function coversPort(ranges: string[], port: number): boolean {
  return ranges.some((range) => {
    if (range === "*") return true;
    const [from, to] = range.split("-").map((n) => Number(n.trim()));
    if (from === undefined || Number.isNaN(from)) return false;
    return port >= from && port <= (to === undefined || Number.isNaN(to) ? from : to);
  });
}

/**
 * NSG semantics: inbound rules are tried by ascending priority and the first that matches decides. So a
 * port is open to the internet when the first rule matching internet traffic on TCP to it is an Allow.
 */
export function openToInternet(rules: InboundRule[], port: number): boolean {
  for (const rule of rules) {
    const protocolMatches = rule.protocol === "*" || rule.protocol.toLowerCase() === "tcp";
    const fromInternet = rule.sources.some((s) => INTERNET_SOURCES.has(s.toLowerCase()));
    if (protocolMatches && fromInternet && coversPort(rule.ports, port))
      return rule.access.toLowerCase() === "allow";
  }
  return false;
}

export function networkSecurityGroupFacts(
  properties: unknown,
): z.input<typeof AzureNetworkSecurityGroupFactsSchema> {
  const p = NsgPropertiesSchema.parse(properties ?? {});
  const inbound: InboundRule[] = [...(p.securityRules ?? []), ...(p.defaultSecurityRules ?? [])]
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
  return {
    inboundRules: inbound,
    sshOpenToInternet: openToInternet(inbound, 22),
    rdpOpenToInternet: openToInternet(inbound, 3389),
  };
}
