import { release } from "node:os";
import type { DeviceFacts } from "../../../core/facts/device.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

type RemovableMedia = NonNullable<DeviceFacts["removableMedia"]>;

/** modprobe treats `usb-storage` and `usb_storage` as the same module. */
const USB_STORAGE = /^usb[-_]storage$/;
const DENY_COMMAND = /^(\/usr)?\/bin\/(false|true)$/;

export interface ModprobeConfig {
  /** `install usb-storage /bin/false` (or /bin/true): loading runs a no-op instead of the driver. */
  installDenied?: string;
  /** `blacklist usb-storage`: udev no longer loads it when a stick is plugged in. */
  blacklisted?: string;
}

/** Pure: modprobe.d files (name -> text) -> how usb-storage is blocked, naming the file that does it. */
export function parseModprobeConfigs(files: ReadonlyMap<string, string>): ModprobeConfig {
  const out: ModprobeConfig = {};
  for (const [file, text] of files) {
    for (const raw of text.split("\n")) {
      const words = raw.replace(/#.*/, "").trim().split(/\s+/);
      if (words[0] === "install" && USB_STORAGE.test(words[1] ?? "") && DENY_COMMAND.test(words[2] ?? ""))
        out.installDenied ??= `install usb-storage ${words[2]} (${file})`;
      if (words[0] === "blacklist" && USB_STORAGE.test(words[1] ?? ""))
        out.blacklisted ??= `blacklist usb-storage (${file})`;
    }
  }
  return out;
}

/** Pure: `modprobe -n -v usb-storage`: `install /bin/false` when redirected, `insmod …` when loadable. */
export function parseModprobeDryRun(
  stdout: string,
  stderr: string,
): "denied" | "loadable" | "not-found" | "builtin" | undefined {
  const text = `${stdout}\n${stderr}`;
  const install = /^install\s+(\S+)/m.exec(stdout);
  if (install?.[1] && DENY_COMMAND.test(install[1])) return "denied";
  if (/^insmod\s/m.test(stdout)) return "loadable";
  if (/builtin/i.test(text)) return "builtin";
  if (/not found/i.test(text)) return "not-found";
  return undefined;
}

/** Pure: /proc/modules -> whether usb_storage is loaded now. */
export function usbStorageLoaded(procModules: string): boolean {
  return procModules.split("\n").some((l) => USB_STORAGE.test(l.split(/\s+/)[0] ?? ""));
}

export interface RemovableMediaInputs {
  config: ModprobeConfig;
  dryRun?: ReturnType<typeof parseModprobeDryRun>;
  loaded: boolean;
  /** /sys/bus/usb exists: the kernel has USB at all. */
  usbBus: boolean;
  /** The driver is in modules.dep or modules.builtin of the running kernel (undefined: unknown). */
  driverAvailable?: boolean;
}

/**
 * Pure: -> whether a USB stick can be mounted. A loaded driver means it can, whatever the config says.
 * A kernel without USB, or without the driver, blocks it as surely as a modprobe rule.
 */
export function decideRemovableMedia(i: RemovableMediaInputs): RemovableMedia {
  if (i.loaded) return { usbStorageBlocked: false, mechanism: "usb_storage module is loaded" };
  if (i.dryRun === "builtin")
    return { usbStorageBlocked: false, mechanism: "usb-storage is built into the kernel" };
  if (i.config.installDenied || i.dryRun === "denied")
    return {
      usbStorageBlocked: true,
      mechanism: i.config.installDenied ?? "modprobe -n -v usb-storage: install /bin/false",
    };
  if (i.config.blacklisted) return { usbStorageBlocked: true, mechanism: i.config.blacklisted };
  if (!i.usbBus)
    return {
      usbStorageBlocked: true,
      mechanism: "the running kernel has no USB support (/sys/bus/usb absent)",
    };
  if (i.driverAvailable === false || i.dryRun === "not-found")
    return {
      usbStorageBlocked: true,
      mechanism: "usb-storage driver not present in the running kernel's modules",
    };
  return { usbStorageBlocked: false };
}

const MODPROBE_DIRS = [
  "/etc/modprobe.d",
  "/run/modprobe.d",
  "/usr/local/lib/modprobe.d",
  "/lib/modprobe.d",
  "/usr/lib/modprobe.d",
];

export async function probeRemovableMedia(host: Host): Promise<ProbeResult> {
  const kernel = release();
  const listings = await Promise.all(
    MODPROBE_DIRS.map(async (d) =>
      (await host.list(d)).filter((n) => n.endsWith(".conf")).map((n) => `${d}/${n}`),
    ),
  );
  const [texts, dryRun, procModules, sysModule, usbBus, modulesDep, modulesBuiltin] = await Promise.all([
    Promise.all(listings.flat().map(async (p) => [p, await host.read(p)] as const)),
    host.exec("modprobe", ["-n", "-v", "usb-storage"]),
    host.read("/proc/modules"),
    host.exists("/sys/module/usb_storage"),
    host.exists("/sys/bus/usb"),
    host.read(`/lib/modules/${kernel}/modules.dep`),
    host.read(`/lib/modules/${kernel}/modules.builtin`),
  ]);
  const files = new Map<string, string>();
  for (const [p, r] of texts) if (r.ok) files.set(p, r.text);
  const driverAvailable =
    modulesDep.ok || modulesBuiltin.ok
      ? [modulesDep, modulesBuiltin].some((r) => r.ok && /usb-storage\.ko/.test(r.text))
      : // no module tree for this kernel at all: nothing can be loaded
        !(await host.exists(`/lib/modules/${kernel}`))
        ? false
        : undefined;
  const loaded = procModules.ok && usbStorageLoaded(procModules.text);
  // /sys/module/usb_storage without a /proc/modules line: compiled into the kernel, nothing can unload it.
  const builtin =
    (!loaded && sysModule) || (modulesBuiltin.ok && /usb-storage\.ko/.test(modulesBuiltin.text));
  const parsedDryRun = dryRun.missing ? undefined : parseModprobeDryRun(dryRun.stdout, dryRun.stderr);
  const facts = decideRemovableMedia({
    config: parseModprobeConfigs(files),
    ...(builtin ? { dryRun: "builtin" as const } : parsedDryRun ? { dryRun: parsedDryRun } : {}),
    loaded,
    usbBus,
    ...(driverAvailable === undefined ? {} : { driverAvailable }),
  });
  const source = [
    `file: ${MODPROBE_DIRS.map((d) => `${d}/*.conf`).join(", ")}`,
    dryRun.missing ? "cmd: modprobe (not installed)" : `cmd: ${dryRun.command}`,
    "file: /proc/modules, /sys/bus/usb",
    `file: /lib/modules/${kernel}/modules.dep`,
  ].join("; ");
  return deviceRecord().set("removableMedia", facts, source);
}
