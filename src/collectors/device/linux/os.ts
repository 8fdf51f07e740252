import { arch, hostname, release as kernelRelease } from "node:os";
import type { DeviceFacts } from "../../../core/facts/device.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

/**
 * Identity and operating system, read directly from /etc/os-release, the kernel (node:os) and
 * /sys/class/dmi/id/product_uuid. systeminformation's osInfo()/uuid() give the same values but cost about
 * 150-250 ms of process spawning per scan (bench/README.md "Device scan"), a quarter of the scan budget, so the
 * device scan reads the files itself.
 */
export interface OsRelease {
  distro: string;
  /** Absent when os-release has neither VERSION_ID nor VERSION (rolling releases such as Arch Linux). */
  release?: string;
  codename?: string;
}

/** Pure: /etc/os-release (shell-style KEY=value, values optionally quoted). */
export function parseOsRelease(text: string): OsRelease {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined)
      values.set(m[1], m[2].replace(/^(["'])(.*)\1$/, "$2").replace(/\\(.)/g, "$1"));
  }
  const codename = values.get("VERSION_CODENAME") || values.get("UBUNTU_CODENAME") || undefined;
  const release = values.get("VERSION_ID") ?? values.get("VERSION");
  return {
    // os-release(5): "If not set, a default of NAME=Linux may be used" (the file's own specification).
    distro: values.get("NAME") ?? values.get("ID") ?? "Linux",
    ...(release ? { release } : {}),
    ...(codename ? { codename } : {}),
  };
}

export interface KernelInfo {
  kernel: string;
  arch: string;
  hostname: string;
}

export interface DeviceIdentity {
  os: NonNullable<DeviceFacts["os"]>;
  hostname: string;
  /** The resource uid: the hardware (SMBIOS) UUID, or the machine-id when the hardware has none readable. */
  hardwareUuid: string;
  uidSource: "hardware" | "machine-id";
}

const NOT_AN_IDENTITY = new Set([
  "",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
]);

/**
 * Pure: os-release + kernel + SMBIOS product UUID + machine-id -> identity facts. A blank or all-zero/all-F
 * SMBIOS UUID (cheap boards, some VMs) is not an identity, so the machine-id stands in.
 */
export function deviceIdentity(
  osRelease: string | undefined,
  kernel: KernelInfo,
  productUuid: string | undefined,
  machineId: string | undefined,
): DeviceIdentity | undefined {
  const hardware = (productUuid ?? "").trim().toLowerCase();
  const machine = (machineId ?? "").trim().toLowerCase();
  const usableHardware = /^[0-9a-f-]{32,36}$/.test(hardware) && !NOT_AN_IDENTITY.has(hardware);
  if (!usableHardware && !/^[0-9a-f]{32}$/.test(machine)) return undefined;
  const parsed = parseOsRelease(osRelease ?? "");
  return {
    os: { platform: "linux", ...parsed, kernel: kernel.kernel, arch: kernel.arch },
    hostname: kernel.hostname,
    hardwareUuid: usableHardware ? hardware : machine,
    uidSource: usableHardware ? "hardware" : "machine-id",
  };
}

export interface IdentityProbe {
  result: ProbeResult;
  identity?: DeviceIdentity;
}

const PRODUCT_UUID = "/sys/class/dmi/id/product_uuid";

export async function probeIdentity(host: Host): Promise<IdentityProbe> {
  const [osRelease, usrOsRelease, productUuid, machineId] = await Promise.all([
    host.read("/etc/os-release"),
    host.read("/usr/lib/os-release"),
    host.read(PRODUCT_UUID),
    host.read("/etc/machine-id"),
  ]);
  const release = osRelease.ok ? osRelease : usrOsRelease;
  const identity = deviceIdentity(
    release.ok ? release.text : undefined,
    { kernel: kernelRelease(), arch: arch(), hostname: hostname() },
    productUuid.ok ? productUuid.text : undefined,
    machineId.ok ? machineId.text : undefined,
  );
  if (!identity) {
    return {
      result: deviceRecord().fail("hardwareUuid", `no usable ${PRODUCT_UUID} and no /etc/machine-id`),
    };
  }
  // product_uuid is readable by root only: a scan without root falls back to the machine-id, and says so.
  const why = productUuid.ok ? "blank or all-zero SMBIOS UUID" : productUuid.reason;
  const result = deviceRecord().set(
    "hardwareUuid",
    identity.hardwareUuid,
    identity.uidSource === "hardware"
      ? `file: ${PRODUCT_UUID}`
      : `file: /etc/machine-id (no hardware UUID: ${why})`,
  );
  // An empty hostname is none: the resource is then named by its uid (deviceName), and the fact is unread.
  if (identity.hostname.trim()) result.set("hostname", identity.hostname, "kernel: uname (node:os hostname)");
  else result.fail("hostname", "the kernel reports an empty hostname");
  if (release.ok) result.set("os", identity.os, `file: ${release.path}; kernel: uname (node:os)`);
  else result.fail("os", release.reason);
  return { identity, result };
}
