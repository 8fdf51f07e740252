import { execFile } from "node:child_process";
import { open, readdir, readFile, stat } from "node:fs/promises";

/**
 * Running commands and reading files for the device collector. Commands run WITHOUT a shell (execFile with
 * an argument list), with a timeout, in the C locale so outputs parse the same everywhere. A missing tool
 * or file is a result (`missing: true`), never a thrown error: "no nft on this machine" is itself a fact.
 */
export interface ExecResult {
  /** Exit code 0. Some tools report findings through other codes (dnf check-update: 100), so see `code`. */
  ok: boolean;
  stdout: string;
  stderr: string;
  /** Exit code, or null when the process was killed or never started. */
  code: number | null;
  /** The program is not installed (ENOENT). */
  missing: boolean;
  timedOut: boolean;
  /** `nft -j list ruleset`: what was run, for `sources`. */
  command: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Run as this user (root agent reading a desktop user's settings). */
  uid?: number;
  gid?: number;
  env?: Record<string, string>;
}

export const DEFAULT_TIMEOUT_MS = 5_000;

/** sbin directories are often missing from a non-root PATH, yet that is where sshd, nft and iptables live. */
const SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].join(" ");
}

export function runCommand(
  file: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const command = commandLine(file, args);
  return new Promise((resolve) => {
    const env = {
      ...process.env,
      PATH: `${process.env.PATH ?? ""}:${SEARCH_PATH}`,
      LC_ALL: "C",
      LANG: "C",
      ...options.env,
    };
    try {
      execFile(
        file,
        [...args],
        {
          timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          killSignal: "SIGKILL",
          signal: options.signal,
          maxBuffer: 32 * 1024 * 1024,
          windowsHide: true,
          encoding: "utf8",
          env,
          uid: options.uid,
          gid: options.gid,
        },
        (error, stdout, stderr) => {
          if (!error) {
            resolve({ ok: true, stdout, stderr, code: 0, missing: false, timedOut: false, command });
            return;
          }
          const err = error as NodeJS.ErrnoException & {
            code?: unknown;
            killed?: boolean;
            signal?: string | null;
          };
          const missing = err.code === "ENOENT";
          const timedOut = err.killed === true && err.signal === "SIGKILL";
          resolve({
            ok: false,
            stdout: stdout ?? "",
            stderr: stderr || (missing ? "" : err.message),
            code: typeof err.code === "number" ? err.code : null,
            missing,
            timedOut,
            command,
          });
        },
      );
    } catch (error) {
      // execFile throws synchronously for a bad uid or an already aborted signal.
      resolve({
        ok: false,
        stdout: "",
        stderr: error instanceof Error ? error.message : String(error),
        code: null,
        missing: false,
        timedOut: false,
        command,
      });
    }
  });
}

/** Why a command gave no usable answer, as a short sentence for `unreadable`. */
export function describeFailure(result: ExecResult): string {
  if (result.missing) return `${result.command}: not installed`;
  if (result.timedOut) return `${result.command}: timed out`;
  const detail = firstLine(result.stderr) || firstLine(result.stdout) || `exit code ${result.code}`;
  return `${result.command}: ${detail}`;
}

export function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? ""
  );
}

export type FileResult =
  | { ok: true; text: string; path: string }
  | { ok: false; missing: boolean; denied: boolean; reason: string; path: string };

export async function readTextFile(path: string, maxBytes = 4 * 1024 * 1024): Promise<FileResult> {
  try {
    const info = await stat(path);
    if (info.size > maxBytes)
      return {
        ok: false,
        missing: false,
        denied: false,
        reason: `${path}: larger than ${maxBytes} bytes`,
        path,
      };
    return { ok: true, text: await readFile(path, "utf8"), path };
  } catch (error) {
    return fileFailure(path, error);
  }
}

export async function listDirectory(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch {
    return [];
  }
}

/** Modification time in ms, or undefined when the file is absent or unreadable. */
export async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function fileFailure(path: string, error: unknown): FileResult {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR")
    return { ok: false, missing: true, denied: false, reason: `${path}: not present`, path };
  if (code === "EACCES" || code === "EPERM")
    return {
      ok: false,
      missing: false,
      denied: true,
      reason: `${path}: permission denied (needs root)`,
      path,
    };
  return { ok: false, missing: false, denied: false, reason: `${path}: ${(error as Error).message}`, path };
}

export async function readFileHead(path: string, bytes: number): Promise<string | undefined> {
  try {
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead).toString("latin1");
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
