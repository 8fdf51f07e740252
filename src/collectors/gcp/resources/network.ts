import { z } from "zod";
import { GcpNetworkFactsSchema } from "../../../core/facts/gcp.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import type { GcpHandle } from "../handle.js";
import { listItems, readListedItem, unlessApiDisabled } from "../listed-items.js";

export const NETWORK_CALLS = { list: apiCall("compute.networks.list") };

/** The fields of a `compute#network` (Compute API v1, Network) that facts are read from. */
const NetworkSchema = z.object({
  name: z.string(),
  autoCreateSubnetworks: z.boolean().nullish(),
  subnetworks: z.array(z.string()).nullish(),
  routingConfig: z.object({ routingMode: z.string().nullish() }).nullish(),
  IPv4Range: z.string().nullish(),
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

  list(ctx) {
    const { compute } = ctx.provider.apis;
    // Without the Compute Engine API a project has no VPC network.
    return unlessApiDisabled(
      ctx,
      "compute",
      listItems(ctx, NETWORK_CALLS.list, (page) =>
        compute.networks.list({ project: ctx.where, maxResults: 500, ...page }),
      ),
    );
  },

  async read(ctx, item, facts) {
    return readListedItem(
      {
        call: NETWORK_CALLS.list,
        itemSchema: NetworkSchema,
        factsSchema: GcpNetworkFactsSchema,
        factsOf: networkFacts,
        identity: (name) => ({
          uid: `//compute.googleapis.com/projects/${ctx.where}/global/networks/${name}`,
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
