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
 * from faillock.conf, overridden by the module's arguments; the documented defaults are deny=3,
 * fail_interval=900, unlock_time=600, and deny=0 turns locking off. `unlock_time=never` means 0 (until reset).
 * pam_tally2 (removed from Linux-PAM 1.5) has no default deny: without one it only counts.
 */
export function decideLockout(authStack: string, faillockConf: string | undefined): Lockout {
  const modules = parsePamAuth(authStack);
  const counting = modules.find(
    (m) => m.module === "pam_faillock" && !m.args.has("preauth") && !m.args.has("authsucc"),
  );
  if (counting) {
    const settings = faillockConf ? parseFaillockConf(faillockConf) : new Map<string, string>();
    for (const [k, v] of counting.args) settings.set(k, v);
    const deny = int(settings.get("deny")) ?? 3;
    const unlock = settings.get("unlock_time") === "never" ? 0 : (int(settings.get("unlock_time")) ?? 600);
    return {
      maxAttempts: deny,
      windowSeconds: int(settings.get("fail_interval")) ?? 900,
      unlockSeconds: unlock,
      mechanism: "pam_faillock",
    };
  }
  const tally = modules.find((m) => m.module === "pam_tally2" || m.module === "pam_tally");
  if (tally) {
    const unlock = int(tally.args.get("unlock_time"));
    return {
      maxAttempts: int(tally.args.get("deny")) ?? 0,
      ...(unlock !== undefined ? { unlockSeconds: unlock } : {}),
      mechanism: tally.module,
    };
  }
  return { maxAttempts: 0, mechanism: "none" };
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
  // A faillock.conf that exists but cannot be read would leave the documented defaults standing in for it.
  if (!conf.ok && !conf.missing && /pam_faillock/.test(stack.text))
    return deviceRecord().fail("lockout", `${FAILLOCK_CONF}: ${conf.reason}`, `file: ${stack.path}`);
  const facts = decideLockout(stack.text, conf.ok ? conf.text : undefined);
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
