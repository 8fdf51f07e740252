import type { DeviceFacts } from "../../../core/facts/device.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

type Lockout = NonNullable<DeviceFacts["lockout"]>;

export interface PamAuthModule {
  module: string;
  args: Map<string, string>;
}

/** Pure: the `auth` lines of a PAM file -> modules with their arguments (`deny=5` -> deny: "5", `silent` -> ""). */
export function parsePamAuth(text: string): PamAuthModule[] {
  const modules: PamAuthModule[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    // The control may be bracketed: auth [default=die] pam_faillock.so authfail
    const m = /^-?auth\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m?.[2]) continue;
    const args = new Map<string, string>();
    for (const arg of (m[3] ?? "").split(/\s+/).filter(Boolean)) {
      const [k, ...v] = arg.split("=");
      if (k) args.set(k, v.join("="));
    }
    modules.push({ module: m[2].replace(/^.*\//, "").replace(/\.so$/, ""), args });
  }
  return modules;
}

/** Pure: /etc/security/faillock.conf (`key = value` or a bare flag per line, `#` comments) -> settings. */
export function parseFaillockConf(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const m = /^(\w+)\s*(?:=\s*(\S+))?$/.exec(line);
    if (m?.[1]) settings.set(m[1], m[2] ?? "");
  }
  return settings;
}

const int = (v: string | undefined) =>
  v !== undefined && /^\d+$/.test(v) ? Number.parseInt(v, 10) : undefined;

/**
 * Pure: the PAM auth stack (+ faillock.conf) -> lockout facts. pam_faillock(8) locks only where it is called
 * to count failures (`authfail`, or without a mode); a `preauth` line alone counts nothing. Its settings come
 * from faillock.conf, overridden by the module's arguments. Only what is set is recorded: a setting nobody set
 * takes faillock.conf(5)'s documented default (deny 3, fail_interval 900, unlock_time 600), which DEV-LCK-001
 * states, not this parser. deny=0 turns locking off; `unlock_time=never` means 0 (until reset). pam_tally2
 * (removed from Linux-PAM 1.5) likewise leaves an unset deny absent. A value that is set but not a number is
 * unreadable, never a default.
 */
export function decideLockout(
  authStack: string,
  faillockConf: string | undefined,
): Lockout | { unreadable: string } {
  const modules = parsePamAuth(authStack);
  const counting = modules.find(
    (m) => m.module === "pam_faillock" && !m.args.has("preauth") && !m.args.has("authsucc"),
  );
  const tally = modules.find((m) => m.module === "pam_tally2" || m.module === "pam_tally");
  const chosen = counting ?? tally;
  if (!chosen) return { maxAttempts: 0, mechanism: "none" };
  const settings = new Map<string, string>();
  if (counting && faillockConf) for (const [k, v] of parseFaillockConf(faillockConf)) settings.set(k, v);
  for (const [k, v] of chosen.args) settings.set(k, v);
  const bad = ["deny", "fail_interval", "unlock_time"].find((key) => {
    const v = settings.get(key);
    return v !== undefined && int(v) === undefined && !(key === "unlock_time" && v === "never");
  });
  if (bad) return { unreadable: `${chosen.module} ${bad}=${settings.get(bad)} is not a number` };
  const deny = int(settings.get("deny"));
  const window = counting ? int(settings.get("fail_interval")) : undefined;
  const unlock = settings.get("unlock_time") === "never" ? 0 : int(settings.get("unlock_time"));
  return {
    ...(deny !== undefined ? { maxAttempts: deny } : {}),
    ...(window !== undefined ? { windowSeconds: window } : {}),
    ...(unlock !== undefined ? { unlockSeconds: unlock } : {}),
    mechanism: chosen.module,
  };
}

/** The auth stacks: Debian/Ubuntu include common-auth everywhere, Fedora/RHEL (authselect) system-auth. */
const AUTH_STACKS = ["/etc/pam.d/common-auth", "/etc/pam.d/system-auth"];
const FAILLOCK_CONF = "/etc/security/faillock.conf";

export async function probeLockout(host: Host): Promise<ProbeResult> {
  const [stacks, conf] = await Promise.all([
    Promise.all(AUTH_STACKS.map((p) => host.read(p))),
    host.read(FAILLOCK_CONF),
  ]);
  const stack = stacks.find((s) => s.ok);
  if (!stack?.ok)
    return deviceRecord().fail(
      "lockout",
      `no PAM auth stack is readable (${stacks.map((s) => (s.ok ? s.path : s.reason)).join("; ")})`,
    );
  // A faillock.conf that exists but cannot be read is not "nothing set": DEV-LCK-001's defaults must not stand in.
  if (!conf.ok && !conf.missing && /pam_faillock/.test(stack.text))
    return deviceRecord().fail("lockout", `${FAILLOCK_CONF}: ${conf.reason}`, `file: ${stack.path}`);
  const facts = decideLockout(stack.text, conf.ok ? conf.text : undefined);
  if ("unreadable" in facts)
    return deviceRecord().fail(
      "lockout",
      facts.unreadable,
      [`file: ${stack.path}`, conf.ok ? `file: ${FAILLOCK_CONF}` : undefined].filter(Boolean).join("; "),
    );
  return deviceRecord().set(
    "lockout",
    facts,
    [
      `file: ${stack.path}`,
      conf.ok && facts.mechanism === "pam_faillock" ? `file: ${FAILLOCK_CONF}` : undefined,
    ]
      .filter(Boolean)
      .join("; "),
  );
}
