import type { ResourceInput } from "../../../core/resource.js";
import { describeFailure } from "../exec.js";
import { deviceIdUnreadable, deviceName, deviceUid, type Host } from "../probe.js";
import { parseWindowsPosture } from "./parse.js";
import { powershellArgs } from "./posture-script.js";

/**
 * Windows device posture: one PowerShell run (posture-script.ts) that prints JSON, parsed by a pure function.
 * The scheduled task runs it as SYSTEM, which can read BitLocker, Defender and every loaded user hive.
 */
const POWERSHELL = `${process.env.SystemRoot ?? "C:\\Windows"}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;

export async function collectWin32Device(host: Host): Promise<ResourceInput> {
  // The Windows Update search asks Microsoft's servers; it can take minutes on a slow link.
  const run = await host.exec(POWERSHELL, powershellArgs(), { timeoutMs: 300_000 });
  const posture = run.ok ? parseWindowsPosture(run.stdout, host.now) : undefined;
  const base = { type: "device", provider: "device", collectedAt: host.now.toISOString() } as const;
  if (!posture) {
    const reason = run.ok
      ? "powershell posture script printed no JSON object"
      : describeFailure({ ...run, command: "powershell (posture script)" });
    throw deviceIdUnreadable(reason);
  }
  const { identity, result } = posture;
  const uid = deviceUid(identity?.hardwareUuid, result.unreadable);
  return {
    ...base,
    uid,
    name: deviceName(identity?.hostname, uid),
    tags: identity ? { uidSource: identity.uidSource } : {},
    attributes: result.attributes,
    sources: result.sources,
    unreadable: result.unreadable,
  };
}
