import type { DeviceFacts } from "../../../core/facts/device.js";
import { describeFailure } from "../exec.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";
import { anyProcess } from "./processes.js";

type TimeSync = NonNullable<DeviceFacts["timeSync"]>;

/** Pure: `timedatectl show` key=value lines -> NTP switched on / clock synchronised. */
export function parseTimedatectl(text: string): { ntp?: boolean; synchronized?: boolean } {
  const get = (key: string) => new RegExp(`^${key}=(\\w+)`, "m").exec(text)?.[1];
  const ntp = get("NTP");
  const sync = get("NTPSynchronized");
  return {
    ...(ntp ? { ntp: ntp === "yes" } : {}),
    ...(sync ? { synchronized: sync === "yes" } : {}),
  };
}

/**
 * Pure: `chronyc tracking` -> synchronised. Unsynchronised chrony reports reference 00000000 or
 * 7F7F0101 (its local clock) and "Leap status : Not synchronised".
 */
export function parseChronyTracking(text: string): boolean | undefined {
  const ref = /^Reference ID\s*:\s*([0-9A-Fa-f]{8})/m.exec(text)?.[1];
  const leap = /^Leap status\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (!ref && !leap) return undefined;
  if (leap && /not synchronised/i.test(leap)) return false;
  return !!ref && ref !== "00000000" && ref.toUpperCase() !== "7F7F0101";
}

/** Pure: `ntpq -pn` -> synchronised when a peer line is marked `*` (the system peer). */
export function parseNtpqPeers(text: string): boolean {
  return text.split("\n").some((l) => l.startsWith("*"));
}

export interface TimeSyncInputs {
  timedatectl?: ReturnType<typeof parseTimedatectl>;
  /** Time daemons found running, by name. */
  running: string[];
  chronySynchronized?: boolean;
  ntpqSynchronized?: boolean;
}

/** Pure: -> time sync fact. Active means a daemon keeps the clock, not merely that one is installed. */
export function decideTimeSync(i: TimeSyncInputs): TimeSync {
  const service = i.running[0];
  const synchronized = i.timedatectl?.synchronized ?? i.chronySynchronized ?? i.ntpqSynchronized;
  const active = !!service || (i.timedatectl?.ntp === true && i.timedatectl.synchronized === true);
  return {
    active,
    ...(service ? { service } : i.timedatectl?.ntp ? { service: "systemd-timesyncd" } : {}),
    ...(synchronized !== undefined ? { synchronized } : {}),
  };
}

const DAEMONS = ["chronyd", "systemd-timesyncd", "ntpd", "openntpd", "ntpsec", "timemaster", "ptp4l"];

export async function probeTimeSync(host: Host): Promise<ProbeResult> {
  const processes = await host.processes();
  const running = DAEMONS.filter((d) => anyProcess(processes, [d]));
  const [timedatectl, chrony, ntpq] = await Promise.all([
    host.exec("timedatectl", ["show"]),
    running.includes("chronyd") ? host.exec("chronyc", ["-n", "tracking"]) : undefined,
    running.includes("ntpd") || running.includes("ntpsec") ? host.exec("ntpq", ["-pn"]) : undefined,
  ]);
  const facts = decideTimeSync({
    running,
    ...(timedatectl.ok ? { timedatectl: parseTimedatectl(timedatectl.stdout) } : {}),
    ...(chrony?.ok ? { chronySynchronized: parseChronyTracking(chrony.stdout) } : {}),
    ...(ntpq?.ok ? { ntpqSynchronized: parseNtpqPeers(ntpq.stdout) } : {}),
  });
  const source = [
    `proc: ${DAEMONS.join(", ")} (${running.length ? `running: ${running.join(", ")}` : "none running"})`,
    timedatectl.ok ? `cmd: ${timedatectl.command}` : `cmd: ${describeFailure(timedatectl)}`,
    chrony ? `cmd: ${chrony.command}` : undefined,
    ntpq ? `cmd: ${ntpq.command}` : undefined,
  ].filter(Boolean);
  return deviceRecord().set("timeSync", facts, source.join("; "));
}
