import type { ResourceInput } from "../../../core/resource.js";
import { probeHardware } from "../hardware.js";
import { deviceName, deviceRecord, deviceUid, type Host, type ProbeResult } from "../probe.js";
import { probeAccounts } from "./accounts.js";
import { probeBackup } from "./backup.js";
import { probeEncryption } from "./encryption.js";
import { probeFirewall } from "./firewall.js";
import { probeLockout } from "./lockout.js";
import { probeMalware } from "./malware.js";
import { probeMdm } from "./mdm.js";
import { probeIdentity } from "./os.js";
import { probePassword } from "./password.js";
import { probePlatformIntegrity } from "./platform-integrity.js";
import { probeRemovableMedia } from "./removable-media.js";
import { probeScreenLock } from "./screen-lock.js";
import { probeSsh } from "./ssh.js";
import { probeTimeSync } from "./time-sync.js";
import { probeUpdates } from "./updates.js";

/** Every fact-group probe, run at once; each one turns its own failures into `unreadable`, never a throw. */
const PROBES: Record<string, (host: Host) => Promise<ProbeResult>> = {
  diskEncryption: probeEncryption,
  firewall: probeFirewall,
  updates: probeUpdates,
  ssh: probeSsh,
  password: probePassword,
  lockout: probeLockout,
  mdm: probeMdm,
  screenLock: probeScreenLock,
  malware: probeMalware,
  removableMedia: probeRemovableMedia,
  timeSync: probeTimeSync,
  accounts: probeAccounts,
  backup: probeBackup,
  platformIntegrity: probePlatformIntegrity,
  hardware: probeHardware,
};

async function guarded(
  name: string,
  probe: (host: Host) => Promise<ProbeResult>,
  host: Host,
): Promise<ProbeResult> {
  try {
    return await probe(host);
  } catch (error) {
    // A bug in one probe costs that fact group only (its rules become `error`), not the whole device.
    return deviceRecord().fail(name, `probe failed: ${(error as Error).message}`);
  }
}

/** Collect the Linux device resource: identity + all fact groups, each with its source. */
export async function collectLinuxDevice(host: Host): Promise<ResourceInput> {
  const [identity, ...groups] = await Promise.all([
    probeIdentity(host).catch((error: Error) => ({
      result: deviceRecord().fail("os", `probe failed: ${error.message}`),
      identity: undefined,
    })),
    ...Object.entries(PROBES).map(([name, probe]) => guarded(name, probe, host)),
  ]);
  const merged = deviceRecord().merge(identity.result, ...groups);
  const uid = deviceUid(identity.identity?.hardwareUuid, merged.unreadable);
  return {
    uid,
    type: "device",
    provider: "device",
    name: deviceName(identity.identity?.hostname, uid),
    tags: identity.identity ? { uidSource: identity.identity.uidSource } : {},
    attributes: merged.attributes,
    sources: merged.sources,
    unreadable: merged.unreadable,
    collectedAt: host.now.toISOString(),
  };
}
