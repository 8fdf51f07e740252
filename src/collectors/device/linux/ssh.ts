import type { DeviceFacts } from "../../../core/facts/device.js";
import { describeFailure } from "../exec.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";
import { processRunning } from "./processes.js";

type Ssh = NonNullable<DeviceFacts["ssh"]>;
type SshSettings = Pick<Ssh, "permitRootLogin" | "passwordAuthentication" | "permitEmptyPasswords">;

const yes = (v: string | undefined) => (v === undefined ? undefined : v.toLowerCase() === "yes");

/** Pure: `sshd -T` (effective configuration, lower-case keys) -> settings. */
export function parseSshdEffective(text: string): SshSettings {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key && rest.length && !values.has(key.toLowerCase())) values.set(key.toLowerCase(), rest.join(" "));
  }
  return settingsFrom(values);
}

function settingsFrom(values: Map<string, string>): SshSettings {
  // sshd -T and old configs print `without-password`, the former name of `prohibit-password`.
  const root = values
    .get("permitrootlogin")
    ?.toLowerCase()
    .replace(/^without-password$/, "prohibit-password");
  const password = yes(values.get("passwordauthentication"));
  const empty = yes(values.get("permitemptypasswords"));
  return {
    ...(root ? { permitRootLogin: root } : {}),
    ...(password !== undefined ? { passwordAuthentication: password } : {}),
    ...(empty !== undefined ? { permitEmptyPasswords: empty } : {}),
  };
}

/**
 * Pure: sshd_config text(s), in the order sshd reads them (Include expanded in place) -> settings.
 * sshd keeps the FIRST value it reads for a keyword, and `Match` blocks apply only to some connections, so
 * reading stops at the first Match. `without-password` is the old spelling of `prohibit-password`. A keyword no
 * file sets stays absent: OpenSSH's compiled-in default then applies, and the DEV-SSH rules state it
 * (sshd_config(5)), not this parser.
 */
export function parseSshdConfig(files: readonly string[]): SshSettings {
  const values = new Map<string, string>();
  outer: for (const text of files) {
    for (const raw of text.split("\n")) {
      const line = raw.replace(/#.*/, "").trim();
      if (!line) continue;
      const [key, ...rest] = line.split(/\s+|=/).filter(Boolean);
      if (!key) continue;
      const k = key.toLowerCase();
      if (k === "match") break outer;
      if (!values.has(k) && rest.length) values.set(k, rest.join(" "));
    }
  }
  return settingsFrom(values);
}

/** `Include` lines of sshd_config (glob patterns relative to /etc/ssh). */
export function sshdIncludes(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const m = /^\s*Include\s+(.+)$/i.exec(raw.replace(/#.*/, ""));
    if (m?.[1])
      out.push(
        ...m[1]
          .trim()
          .split(/\s+/)
          .map((p) => (p.startsWith("/") ? p : `/etc/ssh/${p}`)),
      );
  }
  return out;
}

const SSHD_PATHS = ["/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd"];

/** Files an Include pattern names; only `dir/*.conf`-style patterns are expanded (that is what distributions ship). */
async function expandInclude(host: Host, pattern: string): Promise<string[]> {
  const slash = pattern.lastIndexOf("/");
  const dir = pattern.slice(0, slash);
  const glob = pattern.slice(slash + 1);
  if (!glob.includes("*")) return [pattern];
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return (await host.list(dir)).filter((n) => re.test(n)).map((n) => `${dir}/${n}`);
}

async function readSshdConfig(
  host: Host,
): Promise<{ texts: string[]; files: string[] } | { reason: string }> {
  const main = await host.read("/etc/ssh/sshd_config");
  if (!main.ok) return { reason: main.reason };
  // Expand Include in place: a setting in an included file read first wins over a later one.
  const texts: string[] = [];
  const files = ["/etc/ssh/sshd_config"];
  const lines = main.text.split("\n");
  let chunk: string[] = [];
  for (const line of lines) {
    const includes = sshdIncludes(line);
    if (includes.length === 0) {
      chunk.push(line);
      continue;
    }
    texts.push(chunk.join("\n"));
    chunk = [];
    for (const pattern of includes) {
      for (const file of await expandInclude(host, pattern)) {
        const included = await host.read(file);
        if (included.ok) {
          texts.push(included.text);
          files.push(file);
        }
      }
    }
  }
  texts.push(chunk.join("\n"));
  return { texts, files };
}

export async function probeSsh(host: Host): Promise<ProbeResult> {
  const present = await Promise.all(SSHD_PATHS.map((p) => host.exists(p)));
  const binary = SSHD_PATHS[present.indexOf(true)];
  if (!binary)
    return deviceRecord().set("ssh", { serverInstalled: false }, `file: ${SSHD_PATHS.join(", ")} (absent)`);
  const [effective, running] = await Promise.all([host.exec(binary, ["-T"]), processRunning(host, ["sshd"])]);
  if (effective.ok) {
    // sshd -T prints the configuration sshd itself would run with, its compiled-in defaults included: every
    // keyword is there because sshd said so, not because Assay assumed a default.
    return deviceRecord().set(
      "ssh",
      { serverInstalled: true, serverRunning: running, ...parseSshdEffective(effective.stdout) },
      `cmd: ${effective.command}; proc: sshd process`,
    );
  }
  // sshd -T needs root and host keys; the files give the same answer for the global settings they set.
  const config = await readSshdConfig(host);
  if ("reason" in config) {
    return deviceRecord()
      .set("ssh", { serverInstalled: true, serverRunning: running }, `file: ${binary}; proc: sshd process`)
      .fail(
        ["ssh.permitRootLogin", "ssh.passwordAuthentication", "ssh.permitEmptyPasswords"],
        `${describeFailure(effective)}; ${config.reason}`,
      );
  }
  return deviceRecord().set(
    "ssh",
    { serverInstalled: true, serverRunning: running, ...parseSshdConfig(config.texts) },
    `file: ${config.files.join(", ")} (${describeFailure(effective)}); proc: sshd process`,
  );
}
