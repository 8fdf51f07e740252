import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ExecOptions, ExecResult, FileResult } from "../../../../src/collectors/device/exec.js";
import type { SystemReading } from "../../../../src/collectors/device/hardware.js";
import type { Host } from "../../../../src/collectors/device/probe.js";

const ROOT = join("test", "fixtures", "device", "linux");

/** A recorded command output or file of one distribution (test/fixtures/device/linux/<distro>/<name>). */
export function recorded(distro: string, name: string): string {
  return readFileSync(join(ROOT, distro, name), "utf8");
}

export interface FakeMachine {
  /** Command line -> recorded answer; commands not listed are "not installed". */
  commands?: Record<string, { stdout?: string; stderr?: string; code?: number }>;
  /** Path -> content; `null` = present but permission denied. Paths not listed are absent. */
  files?: Record<string, string | null>;
  /** Directory -> entries. */
  dirs?: Record<string, string[]>;
  processes?: string[];
  now?: Date;
  /** systeminformation's system() answer; absent = the read fails (not recorded). */
  system?: SystemReading;
  /** Whether the scan runs as root (the serial number needs it on Linux); default true. */
  privileged?: boolean;
}

/**
 * A Host over recorded outputs, for probe-level tests (the probes' own logic around the pure parsers).
 * It records the commands run and the options they were run with.
 */
export function fakeHost(
  machine: FakeMachine,
): Host & { calls: { command: string; options?: ExecOptions }[] } {
  const calls: { command: string; options?: ExecOptions }[] = [];
  const files = machine.files ?? {};
  return {
    calls,
    async exec(file, args, options) {
      const command = [file, ...args].join(" ");
      calls.push({ command, ...(options ? { options } : {}) });
      const answer = machine.commands?.[command];
      if (!answer)
        return {
          ok: false,
          stdout: "",
          stderr: "",
          code: null,
          missing: true,
          timedOut: false,
          command,
        } satisfies ExecResult;
      const code = answer.code ?? 0;
      return {
        ok: code === 0,
        stdout: answer.stdout ?? "",
        stderr: answer.stderr ?? "",
        code,
        missing: false,
        timedOut: false,
        command,
      };
    },
    async read(path): Promise<FileResult> {
      const text = files[path];
      if (text === undefined)
        return { ok: false, missing: true, denied: false, reason: `${path}: not present`, path };
      if (text === null)
        return {
          ok: false,
          missing: false,
          denied: true,
          reason: `${path}: permission denied (needs root)`,
          path,
        };
      return { ok: true, text, path };
    },
    async readHead(path, bytes) {
      const text = files[path];
      return typeof text === "string" ? text.slice(0, bytes) : undefined;
    },
    async list(directory) {
      return [...(machine.dirs?.[directory] ?? [])].sort();
    },
    async mtime(path) {
      return path in files ? (machine.now ?? new Date()).getTime() : undefined;
    },
    async exists(path) {
      return path in files || path in (machine.dirs ?? {});
    },
    async processes() {
      return new Set(machine.processes ?? []);
    },
    now: machine.now ?? new Date("2024-05-20T10:00:00Z"),
    system: {
      platform: "linux",
      privileged: machine.privileged ?? true,
      async read() {
        if (!machine.system) throw new Error("system() not recorded for this machine");
        return machine.system;
      },
    },
  };
}
