import { z } from "zod";
import type { GcpFirewallFactsSchema } from "../../core/facts/gcp.js";
import {
  call,
  emitGcp,
  failureOf,
  type GcpSession,
  pages,
  reportInvalidItem,
  reportListFailure,
  sourcesFor,
} from "./session.js";

export const FIREWALLS_LIST = "compute.firewalls.list";

const PortsSchema = z.object({ IPProtocol: z.string(), ports: z.array(z.string()).nullish() });
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

export async function collectFirewalls(session: GcpSession, project: string): Promise<void> {
  try {
    for await (const items of pages(async (pageToken) => {
      const res = await call(session, FIREWALLS_LIST, () =>
        session.apis.compute.firewalls.list({
          project,
          maxResults: 500,
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      const page = FirewallListSchema.parse(res.data);
      return { items: page.items ?? [], next: page.nextPageToken };
    })) {
      for (const item of items) {
        const raw = FirewallSchema.safeParse(item);
        if (!raw.success) {
          reportInvalidItem(session, `${project}/compute`, "gcp.compute.firewall", raw.error);
          continue;
        }
        const attributes = firewallFacts(raw.data);
        emitGcp(session, {
          uid: `//compute.googleapis.com/projects/${project}/global/firewalls/${raw.data.name}`,
          type: "gcp.compute.firewall",
          account: project,
          region: "global",
          name: raw.data.name,
          tags: {},
          attributes,
          sources: sourcesFor(attributes, FIREWALLS_LIST),
          unreadable: {},
        });
      }
    }
  } catch (error) {
    reportListFailure(
      session,
      `${project}/compute`,
      "gcp.compute.firewall",
      failureOf(error, FIREWALLS_LIST),
      "firewall rules",
    );
  }
}
