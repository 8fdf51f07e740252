import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ExecResult } from "../../../src/collectors/device/exec.js";
import type { SystemReading } from "../../../src/collectors/device/hardware.js";
import type { Host } from "../../../src/collectors/device/probe.js";

/**
 * A Host that answers commands with recorded outputs (test/fixtures/device/<platform>), keyed by the exact
 * command line; anything not recorded behaves like a tool that is not installed.
 */
export interface Recording {
  stdout?: string;
  stderr?: string;
  code?: number;
}

export function fixture(platform: string, name: string): string {
  return readFileSync(join("test", "fixtures", "device", platform, name), "utf8");
}

export function recordedHost(
  commands: Record<string, Recording>,
  options: {
    now?: Date;
    mtimes?: Record<string, number>;
    files?: Record<string, string>;
    /** systeminformation's system() answer; absent = the read fails (not recorded). */
    system?: SystemReading;
  } = {},
): Host & { calls: { command: string; uid?: number }[] } {
  const calls: { command: string; uid?: number }[] = [];
  return {
    calls,
    async exec(file, args, execOptions) {
      const command = [file, ...args].join(" ");
      calls.push({ command, ...(execOptions?.uid !== undefined ? { uid: execOptions.uid } : {}) });
      const r = commands[command];
      if (!r)
        return {
          ok: false,
          stdout: "",
          stderr: "",
          code: null,
          missing: true,
          timedOut: false,
          command,
        } satisfies ExecResult;
      const code = r.code ?? 0;
      return {
        ok: code === 0,
        stdout: r.stdout ?? "",
        stderr: r.stderr ?? "",
        code,
        missing: false,
        timedOut: false,
        command,
      };
    },
    async read(path) {
      const text = options.files?.[path];
      return text === undefined
        ? { ok: false, missing: true, denied: false, reason: `${path}: not present`, path }
        : { ok: true, text, path };
    },
    async readHead(path, bytes) {
      return options.files?.[path]?.slice(0, bytes);
    },
    async list() {
      return [];
    },
    async mtime(path) {
      return options.mtimes?.[path];
    },
    async exists(path) {
      return options.files?.[path] !== undefined || options.mtimes?.[path] !== undefined;
    },
    async processes() {
      return new Set<string>();
    },
    now: options.now ?? new Date(),
    system: {
      platform: "darwin",
      privileged: true,
      async read() {
        if (!options.system) throw new Error("system() not recorded for this machine");
        return options.system;
      },
    },
  };
}
