import type { Host } from "../probe.js";

/** /proc/<pid>/comm holds at most 15 characters: `systemd-timesyncd` reads `systemd-timesyn`. */
const COMM_LENGTH = 15;

/** Pure: whether any of `names` is among the process names (comm values). */
export function anyProcess(processes: ReadonlySet<string>, names: readonly string[]): string | undefined {
  return names.find((n) => processes.has(n.slice(0, COMM_LENGTH)));
}

export async function processRunning(host: Host, names: readonly string[]): Promise<boolean> {
  return anyProcess(await host.processes(), names) !== undefined;
}
