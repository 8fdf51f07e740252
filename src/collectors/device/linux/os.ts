import type { DeviceFacts } from "../../../core/facts/device.js";
import { type Host, mergeResults, type ProbeResult } from "../probe.js";

/** The parts of systeminformation's osInfo() and uuid() replies we use (validated loosely: plain strings). */
export interface SiOsInfo {
  distro: string;
  release: string;
  codename: string;
  kernel: string;
  arch: string;
  hostname: string;
}
export interface SiUuid {
  os: string;
  hardware: string;
}

export interface DeviceIdentity {
  os: NonNullable<DeviceFacts["os"]>;
  hostname: string;
  /** The resource uid: the hardware (SMBIOS) UUID, or the machine-id when the hardware has none readable. */
  hardwareUuid: string;
  uidSource: "hardware" | "machine-id";
}

const ZERO_UUIDS = new Set([
  "",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
]);

/**
 * Pure: systeminformation's replies (+ /etc/machine-id text) -> identity facts. A blank or all-zero/all-F
 * SMBIOS UUID (common on cheap boards and some VMs) is not an identity, so the machine-id stands in.
 */
export function deviceIdentity(
  os: SiOsInfo,
  uuid: SiUuid,
  machineIdText: string | undefined,
): DeviceIdentity | undefined {
  const hardware = uuid.hardware.trim().toLowerCase();
  const machineId = (machineIdText ?? uuid.os).trim().toLowerCase();
  const usableHardware = !ZERO_UUIDS.has(hardware);
  if (!usableHardware && !/^[0-9a-f]{32}$/.test(machineId)) return undefined;
  return {
    os: {
      platform: "linux",
      distro: os.distro || "unknown",
      release: os.release || "unknown",
      ...(os.codename ? { codename: os.codename } : {}),
      kernel: os.kernel,
      arch: os.arch,
    },
    hostname: os.hostname,
    hardwareUuid: usableHardware ? hardware : machineId,
    uidSource: usableHardware ? "hardware" : "machine-id",
  };
}

export interface IdentityProbe {
  result: ProbeResult;
  identity?: DeviceIdentity;
}

export async function probeIdentity(host: Host): Promise<IdentityProbe> {
  // systeminformation is large; load it only when a device scan runs.
  const si = (await import("systeminformation")).default;
  const [osInfo, uuid, machineId] = await Promise.all([
    si.osInfo().catch(() => undefined),
    si.uuid().catch(() => undefined),
    host.read("/etc/machine-id"),
  ]);
  if (!osInfo || !uuid) {
    return {
      result: {
        attributes: {},
        sources: {},
        unreadable: {
          os: "systeminformation osInfo()/uuid() failed",
          hardwareUuid: "systeminformation uuid() failed",
        },
      },
    };
  }
  const identity = deviceIdentity(osInfo, uuid, machineId.ok ? machineId.text : undefined);
  if (!identity) {
    return {
      result: {
        attributes: {},
        sources: {},
        unreadable: { hardwareUuid: "no SMBIOS product UUID and no /etc/machine-id" },
      },
    };
  }
  const uuidSource =
    identity.uidSource === "hardware"
      ? "systeminformation uuid() (file: /sys/class/dmi/id/product_uuid)"
      : "file: /etc/machine-id (no hardware UUID readable: /sys/class/dmi/id/product_uuid absent or blank)";
  return {
    identity,
    result: mergeResults([
      {
        attributes: { os: identity.os, hostname: identity.hostname, hardwareUuid: identity.hardwareUuid },
        sources: {
          os: "systeminformation osInfo() (file: /etc/os-release, uname)",
          hostname: "systeminformation osInfo() (hostname)",
          hardwareUuid: uuidSource,
        },
        unreadable: {},
      },
    ]),
  };
}
