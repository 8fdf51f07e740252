import { AssayError } from "../../core/errors.js";
import type { DeviceFacts } from "../../core/facts/device.js";
import { FactsRecord } from "../kit/facts.js";
import {
  type ExecOptions,
  type ExecResult,
  type FileResult,
  fileExists,
  listDirectory,
  modifiedAt,
  readFileHead,
  readTextFile,
  runCommand,
} from "./exec.js";
import { type SystemReader, systeminformationReader } from "./hardware.js";

/**
 * What a probe may touch. Probes read the machine only through this, so the real collector passes the real
 * functions and a unit test can pass recorded outputs.
 */
export interface Host {
  exec(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  read(path: string, maxBytes?: number): Promise<FileResult>;
  /** The first `bytes` bytes of a file as latin1 text (headers of large binary files), or undefined. */
  readHead(path: string, bytes: number): Promise<string | undefined>;
  list(directory: string): Promise<string[]>;
  mtime(path: string): Promise<number | undefined>;
  exists(path: string): Promise<boolean>;
  /** Names (comm) of running processes; read once per scan and shared by the probes. */
  processes(): Promise<ReadonlySet<string>>;
  now: Date;
  /** Where probes may keep results whose inputs have not changed (apt simulation); undefined disables it. */
  cacheDir?: string;
  /** The firmware's system record (hardware inventory): systeminformation on a real machine. */
  system: SystemReader;
}

/**
 * One fact group's outcome: facts, where each came from, and what could not be read (with why). It is the
 * collector kit's FactsRecord, the record cloud resource types build too, typed to the device facts:
 * `deviceRecord().set("firewall", value, "cmd: ufw status")`, `deviceRecord().fail("firewall", reason,
 * source?)`, and `deviceRecord().merge(...results)` for the whole device.
 */
export type ProbeResult = FactsRecord<DeviceFacts>;

/** A new, empty device record. */
export function deviceRecord(): ProbeResult {
  return new FactsRecord<DeviceFacts>();
}

/** The real machine. `processes` is read lazily once. */
export function realHost(options: {
  now: Date;
  signal: AbortSignal;
  cacheDir?: string;
  timeoutMs?: number;
}): Host {
  let processes: Promise<ReadonlySet<string>> | undefined;
  return {
    exec: (file, args, execOptions) =>
      runCommand(file, args, { timeoutMs: options.timeoutMs, signal: options.signal, ...execOptions }),
    read: readTextFile,
    readHead: readFileHead,
    list: listDirectory,
    mtime: modifiedAt,
    exists: fileExists,
    processes: () => {
      processes ??= readProcessNames();
      return processes;
    },
    now: options.now,
    cacheDir: options.cacheDir,
    system: systeminformationReader(),
  };
}

/** /proc/<pid>/comm of every process (Linux). Processes that exit while we read are simply not counted. */
async function readProcessNames(): Promise<ReadonlySet<string>> {
  const entries = await listDirectory("/proc");
  const names = await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (pid) => {
        const file = await readTextFile(`/proc/${pid}/comm`);
        return file.ok ? file.text.trim() : undefined;
      }),
  );
  return new Set(names.filter((n): n is string => !!n));
}

/**
 * The device resource's uid: `device:<hardware UUID>` (or the Linux machine-id that stands in for it). There is
 * deliberately no fallback such as `device:unknown`: every agent without a readable id would report the same
 * uid and the store would mix their findings. A device that cannot be identified is an explicit collector
 * error instead (AssayError `DEVICE_ID_UNREADABLE`), which makes every device rule `error` and the scan's
 * `--fail-on` gate fail, naming the reason.
 */
/**
 * The resource's display name: the hostname the device reported, or else its uid, a read identifier (never a
 * made-up word such as "unknown", which would read as data and be shared by every device that lacks a name).
 */
export function deviceName(hostname: string | undefined, uid: string): string {
  return hostname?.trim() || uid;
}

export function deviceUid(hardwareUuid: string | undefined, unreadable: Record<string, string>): string {
  if (hardwareUuid) return `device:${hardwareUuid}`;
  throw deviceIdUnreadable(unreadable.hardwareUuid ?? unreadable.os ?? "no hardware UUID was reported");
}

export function deviceIdUnreadable(reason: string): AssayError {
  return new AssayError(
    "DEVICE_ID_UNREADABLE",
    `could not identify this device (${reason}); without a stable id its findings would be mixed with other devices', so it is not reported`,
  );
}
