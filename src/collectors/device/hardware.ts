import type { DeviceFacts } from "../../core/facts/device.js";
import { deviceRecord, type Host, type ProbeResult } from "./probe.js";

type Hardware = NonNullable<DeviceFacts["hardware"]>;

/** The part of systeminformation's `system()` answer the probe uses. */
export interface SystemReading {
  manufacturer: string;
  model: string;
  serial: string;
  virtual?: boolean;
  virtualHost?: string;
}

/** How the probe reads the machine: systeminformation in a scan, a recorded answer in a test. */
export interface SystemReader {
  read(): Promise<SystemReading>;
  platform: NodeJS.Platform;
  /** Whether the scan runs as root/SYSTEM: on Linux the serial number is readable only then. */
  privileged: boolean;
}

export const SYSTEM_SOURCE = "systeminformation: system()";

/**
 * The real reader. systeminformation is imported here, on first use, so paths that never probe hardware
 * (the store, the CLI's other commands) do not pay for it; only its `lib/system.js` is loaded (10-40 ms, against
 * 56-99 ms for the whole package, bench/README.md "Device scan").
 */
export function systeminformationReader(): SystemReader {
  return {
    read: async () => (await import("systeminformation/lib/system.js")).system(),
    platform: process.platform,
    privileged: process.getuid ? process.getuid() === 0 : true,
  };
}

/**
 * Values systeminformation returns when it found nothing (its defaults `Computer` and `-`, and what it infers
 * rather than reads: `Docker Container`, `Virtual machine`) and SMBIOS placeholders vendors leave in the
 * firmware. None of them names this machine's hardware, so they are treated as not read, never reported.
 */
const PLACEHOLDER =
  /^(?:-+|0+|computer|docker container|virtual machine|none|null|unknown|not specified|not applicable|n\/a|not available|system (?:serial number|product name|manufacturer)|chassis serial number|to be filled by o\.?e\.?m\.?|default string|0123456789|123456789)$/i;

/** A firmware value worth reporting, or undefined for a placeholder (shared with the Windows script's reading). */
export function realHardwareValue(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && !PLACEHOLDER.test(v) ? v : undefined;
}

/** Why a hardware field is absent, in words a reader of the evidence can act on. */
function absentReason(field: keyof Hardware, reading: SystemReading, reader: SystemReader): string {
  if (field === "serial" && reader.platform === "linux" && !reader.privileged)
    return "the serial number is readable only by root (dmidecode, /sys/class/dmi/id/product_serial); the scan does not run as root";
  if (reading.model === "Docker Container")
    return `no ${field}: the scan runs in a container, which exposes no firmware (SMBIOS) tables`;
  const where = reading.virtual
    ? ` (virtual machine${reading.virtualHost ? `, ${reading.virtualHost}` : ""})`
    : "";
  return `the firmware reports no ${field}${where}`;
}

/**
 * Hardware inventory: manufacturer, model and serial number from the SMBIOS tables (Linux: dmidecode, then
 * /sys/class/dmi/id; macOS: ioreg; Windows: CIM) through systeminformation. Each field is set only when a
 * real value was read; an absent one is named in `unreadable` with the reason (a serial that needs root,
 * a container without firmware tables), so the Assets page never shows an invented value.
 */
export async function probeHardware(host: Pick<Host, "system">): Promise<ProbeResult> {
  const reader = host.system;
  let reading: SystemReading;
  try {
    reading = await reader.read();
  } catch (error) {
    return deviceRecord().fail(
      "hardware",
      `${SYSTEM_SOURCE} failed: ${(error as Error).message}`,
      SYSTEM_SOURCE,
    );
  }
  const hardware: Hardware = {};
  const record = deviceRecord();
  for (const field of ["manufacturer", "model", "serial"] as const) {
    const value = realHardwareValue(reading[field]);
    if (value !== undefined) hardware[field] = value;
    else record.fail(`hardware.${field}`, absentReason(field, reading, reader), SYSTEM_SOURCE);
  }
  if (Object.keys(hardware).length === 0)
    return deviceRecord().fail("hardware", absentReason("model", reading, reader), SYSTEM_SOURCE);
  return record.set("hardware", hardware, SYSTEM_SOURCE);
}
