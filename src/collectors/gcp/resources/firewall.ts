import { z } from "zod";
import { GcpFirewallFactsSchema } from "../../../core/facts/gcp.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import type { GcpHandle } from "../handle.js";
import { listItems, readListedItem, unlessApiDisabled } from "../listed-items.js";

export const FIREWALL_CALLS = { list: apiCall("compute.firewalls.list") };

const PortsSchema = z.object({ IPProtocol: z.string(), ports: z.array(z.string()).nullish() });
/** The fields of a `compute#firewall` (Compute API v1, Firewall) that facts are read from. */
const FirewallSchema = z.object({
  name: z.string(),
  network: z.string().nullish(),
  direction: z.string().nullish(),
  priority: z.number().int().nullish(),
  disabled: z.boolean().nullish(),
  sourceRanges: z.array(z.string()).nullish(),
  sourceTags: z.array(z.string()).nullish(),
  sourceServiceAccounts: z.array(z.string()).nullish(),
  destinationRanges: z.array(z.string()).nullish(),
  targetTags: z.array(z.string()).nullish(),
  targetServiceAccounts: z.array(z.string()).nullish(),
  allowed: z.array(PortsSchema).nullish(),
  denied: z.array(PortsSchema).nullish(),
});

const LISTS = [
  "sourceRanges",
  "sourceTags",
  "sourceServiceAccounts",
  "destinationRanges",
  "targetTags",
  "targetServiceAccounts",
] as const;

function portsFacts(entries: z.infer<typeof PortsSchema>[]) {
  return entries.map((e) => ({ IPProtocol: e.IPProtocol, ...(e.ports ? { ports: e.ports } : {}) }));
}

/**
 * The rule as the Compute API returned it. Whether it opens a port to the internet is the rules' judgement
 * (GCP-FW-001/002), including the API's documented defaults for fields it leaves out.
 */
export function firewallFacts(raw: z.infer<typeof FirewallSchema>): z.input<typeof GcpFirewallFactsSchema> {
  const facts: z.input<typeof GcpFirewallFactsSchema> = {
    ...(raw.network ? { network: raw.network.split("/").pop() ?? raw.network } : {}),
    ...(raw.direction != null ? { direction: raw.direction } : {}),
    ...(raw.disabled != null ? { disabled: raw.disabled } : {}),
    ...(raw.priority != null ? { priority: raw.priority } : {}),
    ...(raw.allowed ? { allowed: portsFacts(raw.allowed) } : {}),
    ...(raw.denied ? { denied: portsFacts(raw.denied) } : {}),
  };
  for (const key of LISTS) {
    const list = raw[key];
    if (list) facts[key] = list;
  }
  return facts;
}

/** VPC firewall rules of one project; each rule is its own resource, as in the console. */
export const computeFirewall = defineResourceType<GcpHandle, unknown>({
  type: "gcp.compute.firewall",
  service: "compute",
  scope: "perProject",
  facts: GcpFirewallFactsSchema,
  calls: Object.values(FIREWALL_CALLS),

  list(ctx) {
    const { compute } = ctx.provider.apis;
    // Without the Compute Engine API a project has no VPC network, so no firewall rule.
    return unlessApiDisabled(
      ctx,
      "compute",
      listItems(ctx, FIREWALL_CALLS.list, (page) =>
        compute.firewalls.list({ project: ctx.where, maxResults: 500, ...page }),
      ),
    );
  },

  async read(ctx, item, facts) {
    return readListedItem(
      {
        call: FIREWALL_CALLS.list,
        itemSchema: FirewallSchema,
        factsSchema: GcpFirewallFactsSchema,
        factsOf: firewallFacts,
        identity: (name) => ({
          uid: `//compute.googleapis.com/projects/${ctx.where}/global/firewalls/${name}`,
          name,
          account: ctx.where,
          region: "global",
        }),
      },
      item,
      facts,
    );
  },
});
