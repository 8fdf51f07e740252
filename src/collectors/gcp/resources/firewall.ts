import { z } from "zod";
import { GcpFirewallFactsSchema } from "../../../core/facts/gcp.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import { isServiceDisabled, parseReply, unreadableItem } from "../errors.js";
import { type GcpHandle, noteDisabled } from "../handle.js";

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
const FirewallListSchema = z.object({
  items: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
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

  async *list(ctx) {
    const { compute } = ctx.provider.apis;
    try {
      yield* paginate(
        async (pageToken) =>
          parseReply(
            FIREWALL_CALLS.list,
            FirewallListSchema,
            (
              await ctx.call(FIREWALL_CALLS.list, () =>
                compute.firewalls.list({
                  project: ctx.where,
                  maxResults: 500,
                  ...(pageToken ? { pageToken } : {}),
                }),
              )
            ).data,
          ),
        (page) => page.items ?? [],
        (page) => page.nextPageToken ?? undefined,
      );
    } catch (err) {
      // Without the Compute Engine API a project has no VPC network, so no firewall rule.
      if (!isServiceDisabled(err)) throw err;
      noteDisabled(ctx.provider, `${ctx.where}/compute`);
    }
  },

  async read(ctx, item, facts) {
    const identity = (name: string) => ({
      uid: `//compute.googleapis.com/projects/${ctx.where}/global/firewalls/${name}`,
      name,
      account: ctx.where,
      region: "global",
    });
    const parsed = FirewallSchema.safeParse(item);
    if (!parsed.success) {
      return unreadableItem(facts, GcpFirewallFactsSchema, FIREWALL_CALLS.list, item, parsed.error, identity);
    }
    for (const [key, value] of Object.entries(firewallFacts(parsed.data))) {
      facts.set(key, value, FIREWALL_CALLS.list);
    }
    return identity(parsed.data.name);
  },
});
