import type { IpPermission } from "@aws-sdk/client-ec2";

/** Ports of databases and data stores that should never face the internet. */
export const DATABASE_PORTS = [1433, 1521, 2483, 3306, 5432, 5439, 6379, 9042, 9200, 11211, 27017] as const;
const WORLD_V4 = "0.0.0.0/0";
const WORLD_V6 = "::/0";

export interface OpenIngress {
  protocol: string;
  fromPort: number;
  toPort: number;
  source: string;
}

/** Ingress permissions open to the whole internet, flattened one per source range. */
export function openIngress(permissions: readonly IpPermission[]): OpenIngress[] {
  const out: OpenIngress[] = [];
  for (const p of permissions) {
    const protocol = p.IpProtocol ?? "-1";
    const all = protocol === "-1";
    const fromPort = all || p.FromPort === undefined || p.FromPort === -1 ? 0 : p.FromPort;
    const toPort = all || p.ToPort === undefined || p.ToPort === -1 ? 65535 : p.ToPort;
    const sources = [
      ...(p.IpRanges ?? []).flatMap((r) => (r.CidrIp === WORLD_V4 ? [WORLD_V4] : [])),
      ...(p.Ipv6Ranges ?? []).flatMap((r) => (r.CidrIpv6 === WORLD_V6 ? [WORLD_V6] : [])),
    ];
    for (const source of sources) out.push({ protocol: all ? "all" : protocol, fromPort, toPort, source });
  }
  return out;
}

function reachesPort(open: OpenIngress[], port: number): boolean {
  return open.some(
    (o) =>
      (o.protocol === "all" || o.protocol === "tcp" || o.protocol === "6") &&
      o.fromPort <= port &&
      port <= o.toPort,
  );
}

export function openToWorld(open: OpenIngress[]) {
  return {
    ssh: reachesPort(open, 22),
    rdp: reachesPort(open, 3389),
    databasePorts: DATABASE_PORTS.filter((port) => reachesPort(open, port)),
    allTraffic: open.some((o) => o.protocol === "all" || (o.fromPort === 0 && o.toPort === 65535)),
  };
}
