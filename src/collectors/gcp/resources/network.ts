import { z } from "zod";
import { GcpNetworkFactsSchema } from "../../../core/facts/gcp.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import { isServiceDisabled, parseReply, unreadableItem } from "../errors.js";
import { type GcpHandle, noteDisabled } from "../handle.js";

export const NETWORK_CALLS = { list: apiCall("compute.networks.list") };

/** The fields of a `compute#network` (Compute API v1, Network) that facts are read from. */
const NetworkSchema = z.object({
  name: z.string(),
  autoCreateSubnetworks: z.boolean().nullish(),
  subnetworks: z.array(z.string()).nullish(),
  routingConfig: z.object({ routingMode: z.string().nullish() }).nullish(),
  IPv4Range: z.string().nullish(),
});
const NetworkListSchema = z.object({
  items: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
});

/**
 * The network as the Compute API returned it. Whether it is the project's `default` network (created with
 * every project, auto mode, with permissive default firewall rules) is the rule's judgement (GCP-NET-001).
 */
export function networkFacts(raw: z.infer<typeof NetworkSchema>): z.input<typeof GcpNetworkFactsSchema> {
  return {
    ...(raw.autoCreateSubnetworks != null ? { autoCreateSubnetworks: raw.autoCreateSubnetworks } : {}),
    // Google's JSON leaves an empty list out: a VPC network without subnetworks has none.
    ...(raw.IPv4Range == null ? { subnetworkCount: raw.subnetworks?.length ?? 0 } : {}),
    ...(raw.routingConfig?.routingMode ? { routingMode: raw.routingConfig.routingMode } : {}),
    ...(raw.IPv4Range ? { IPv4Range: raw.IPv4Range } : {}),
  };
}

/** VPC networks of one project (`networks.list`). */
export const computeNetwork = defineResourceType<GcpHandle, unknown>({
  type: "gcp.compute.network",
  service: "compute",
  scope: "perProject",
  facts: GcpNetworkFactsSchema,
  calls: Object.values(NETWORK_CALLS),

  async *list(ctx) {
    const { compute } = ctx.provider.apis;
    try {
      yield* paginate(
        async (pageToken) =>
          parseReply(
            NETWORK_CALLS.list,
            NetworkListSchema,
            (
              await ctx.call(NETWORK_CALLS.list, () =>
                compute.networks.list({
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
      // Without the Compute Engine API a project has no VPC network.
      if (!isServiceDisabled(err)) throw err;
      noteDisabled(ctx.provider, `${ctx.where}/compute`);
    }
  },

  async read(ctx, item, facts) {
    const identity = (name: string) => ({
      uid: `//compute.googleapis.com/projects/${ctx.where}/global/networks/${name}`,
      name,
      account: ctx.where,
      region: "global",
    });
    const parsed = NetworkSchema.safeParse(item);
    if (!parsed.success) {
      return unreadableItem(facts, GcpNetworkFactsSchema, NETWORK_CALLS.list, item, parsed.error, identity);
    }
    for (const [key, value] of Object.entries(networkFacts(parsed.data))) {
      facts.set(key, value, NETWORK_CALLS.list);
    }
    return identity(parsed.data.name);
  },
});
