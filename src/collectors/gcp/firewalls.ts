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

const RuleSchema = z.object({ IPProtocol: z.string(), ports: z.array(z.string()).nullish() });
const FirewallSchema = z.object({
  name: z.string(),
  network: z.string().nullish(),
  direction: z.string().nullish(),
  priority: z.number().int().nullish(),
  disabled: z.boolean().nullish(),
  sourceRanges: z.array(z.string()).nullish(),
  allowed: z.array(RuleSchema).nullish(),
  denied: z.array(RuleSchema).nullish(),
});
const FirewallListSchema = z.object({
  items: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
});

const ANYWHERE = new Set(["0.0.0.0/0", "::/0"]);

function covers(rule: z.infer<typeof RuleSchema>, port: number): boolean {
  const protocol = rule.IPProtocol.toLowerCase();
  if (protocol !== "tcp" && protocol !== "all" && protocol !== "6") return false;
  if (!rule.ports || rule.ports.length === 0) return true; // no ports = every port of the protocol
  return rule.ports.some((range) => {
    const [from, to] = range.split("-").map(Number);
    return from !== undefined && port >= from && port <= (to ?? from);
  });
}

/**
 * A VPC rule opens a port to the internet when it is an enabled ingress allow rule from 0.0.0.0/0 (or ::/0)
 * covering TCP to that port. Each rule is its own resource, as in the console; a higher-priority deny rule
 * elsewhere does not make an allow-all rule acceptable.
 */
export function firewallFacts(raw: z.infer<typeof FirewallSchema>): z.input<typeof GcpFirewallFactsSchema> {
  const direction = raw.direction ?? "INGRESS";
  const action = raw.denied && raw.denied.length > 0 ? "deny" : "allow";
  const rules = action === "allow" ? (raw.allowed ?? []) : (raw.denied ?? []);
  const exposed = (port: number) =>
    direction === "INGRESS" &&
    action === "allow" &&
    raw.disabled !== true &&
    (raw.sourceRanges ?? []).some((r) => ANYWHERE.has(r)) &&
    rules.some((r) => covers(r, port));
  return {
    ...(raw.network ? { network: raw.network.split("/").pop() ?? raw.network } : {}),
    direction,
    action,
    disabled: raw.disabled ?? false,
    priority: raw.priority ?? 1000,
    sourceRanges: raw.sourceRanges ?? [],
    ports: rules.flatMap((r) =>
      r.ports && r.ports.length > 0 ? r.ports.map((p) => `${r.IPProtocol}:${p}`) : [r.IPProtocol],
    ),
    sshOpenToInternet: exposed(22),
    rdpOpenToInternet: exposed(3389),
  };
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
