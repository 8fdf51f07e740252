import type { DeviceFacts } from "../../../core/facts/device.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

type Password = NonNullable<DeviceFacts["password"]>;

/** Pure: /etc/login.defs -> ageing (PASS_MAX_DAYS, PASS_MIN_DAYS, PASS_WARN_AGE) and the legacy PASS_MIN_LEN. */
export function parseLoginDefs(
  text: string,
): Pick<Password, "maxAgeDays" | "minAgeDays" | "warnAgeDays"> & { minLength?: number } {
  const value = (key: string) => {
    const m = new RegExp(`^\\s*${key}\\s+(-?\\d+)`, "m").exec(text);
    return m?.[1] === undefined ? undefined : Number.parseInt(m[1], 10);
  };
  const out: ReturnType<typeof parseLoginDefs> = {};
  const max = value("PASS_MAX_DAYS");
  const min = value("PASS_MIN_DAYS");
  const warn = value("PASS_WARN_AGE");
  const len = value("PASS_MIN_LEN");
  if (max !== undefined) out.maxAgeDays = max;
  if (min !== undefined) out.minAgeDays = min;
  if (warn !== undefined) out.warnAgeDays = warn;
  if (len !== undefined) out.minLength = len;
  return out;
}

export interface PamPasswordModule {
  module: string;
  args: Map<string, string>;
}

/** Pure: a PAM file's `password` lines -> modules with their arguments (`minlen=12` -> minlen: "12"). */
export function parsePamPassword(text: string): PamPasswordModule[] {
  const modules: PamPasswordModule[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    // control may be bracketed: password [success=1 default=ignore] pam_unix.so obscure yescrypt
    const m = /^-?password\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m?.[2]) continue;
    const module = m[2].replace(/^.*\//, "").replace(/\.so$/, "");
    const args = new Map<string, string>();
    for (const arg of (m[3] ?? "").split(/\s+/).filter(Boolean)) {
      const [k, ...v] = arg.split("=");
      if (k) args.set(k, v.join("="));
    }
    modules.push({ module, args });
  }
  return modules;
}

/** Pure: pwquality.conf (and its .d files, later ones override) -> settings. */
export function parsePwqualityConf(texts: readonly string[]): Map<string, string> {
  const settings = new Map<string, string>();
  for (const text of texts) {
    for (const raw of text.split("\n")) {
      const m = /^\s*(\w+)\s*=\s*(\S+)/.exec(raw.replace(/#.*/, ""));
      if (m?.[1] && m[2] !== undefined) settings.set(m[1], m[2]);
    }
  }
  return settings;
}

/** Classes forced by negative credits (dcredit=-1 requires a digit…), the pwquality way to demand classes. */
function classesFromCredits(settings: Map<string, string>): number {
  return ["dcredit", "ucredit", "lcredit", "ocredit"].filter((k) => Number(settings.get(k) ?? "0") < 0)
    .length;
}

const int = (v: string | undefined) =>
  v !== undefined && /^-?\d+$/.test(v) ? Number.parseInt(v, 10) : undefined;

/**
 * Pure: the PAM password stack + pwquality.conf + login.defs -> password facts. Module arguments override
 * pwquality.conf. Only what is set is recorded: a minimum length nobody set is absent, and DEV-PWD-003 states
 * the module's documented default (pwquality 8, cracklib 9, passwdqc's shortest of min=disabled,24,11,8,7,
 * pam_unix 6), which is why the stack's modules are listed (`pamModules`). passwdqc `min=N0,N1,N2,N3,N4` gives
 * lengths for 1..4 character classes; the shortest allowed one counts.
 */
export function decidePassword(
  loginDefs: string | undefined,
  pamStack: string,
  pwqualityConf: readonly string[],
): Password {
  const defs = loginDefs ? parseLoginDefs(loginDefs) : {};
  const modules = parsePamPassword(pamStack);
  const find = (name: string) => modules.find((m) => m.module === name);
  const pwquality = find("pam_pwquality");
  const cracklib = find("pam_cracklib");
  const passwdqc = find("pam_passwdqc");
  const unix = find("pam_unix");
  const ageing = { ...defs };
  delete ageing.minLength;
  const listed = modules.length ? { pamModules: [...new Set(modules.map((m) => m.module))] } : {};
  if (pwquality || cracklib) {
    const settings = passwordSettings(pwquality ?? cracklib, pwqualityConf);
    const minLength = int(settings.get("minlen"));
    const minClasses = Math.max(int(settings.get("minclass")) ?? 0, classesFromCredits(settings));
    return {
      ...ageing,
      ...(minLength !== undefined ? { minLength } : {}),
      ...(minClasses > 0 ? { minClasses } : {}),
      qualityModule: pwquality ? "pam_pwquality" : "pam_cracklib",
      ...listed,
    };
  }
  if (passwdqc) {
    const min = passwdqc.args.get("min");
    const lengths = (min ?? "").split(",").map((v) => int(v));
    const allowed = min
      ? lengths
          .map((len, i) => ({ len, classes: [1, 2, 2, 3, 4][i] ?? 4 }))
          .filter((x) => x.len !== undefined)
      : [];
    const shortest = allowed.reduce<{ len?: number; classes: number } | undefined>(
      (best, x) => (best === undefined || (x.len ?? 0) < (best.len ?? 0) ? x : best),
      undefined,
    );
    return {
      ...ageing,
      ...(shortest?.len !== undefined ? { minLength: shortest.len } : {}),
      ...(allowed[0] ? { minClasses: allowed[0].classes } : {}),
      qualityModule: "pam_passwdqc",
      ...listed,
    };
  }
  // PASS_MIN_LEN counts only where no PAM module sets lengths (login.defs(5): PAM-enabled shadow ignores it).
  const minLength = unix ? int(unix.args.get("minlen")) : defs.minLength;
  return { ...ageing, ...(minLength !== undefined ? { minLength } : {}), qualityModule: "none", ...listed };
}

function passwordSettings(module: PamPasswordModule | undefined, pwqualityConf: readonly string[]) {
  const settings =
    module?.module === "pam_pwquality" ? parsePwqualityConf(pwqualityConf) : new Map<string, string>();
  for (const [k, v] of module?.args ?? []) settings.set(k, v);
  return settings;
}

/**
 * Pure: a minimum length that is set but cannot be read (`minlen=twelve`, a passwdqc `min` with no length),
 * which must be unreadable rather than left absent for a rule's default to fill.
 */
export function passwordLengthProblem(
  pamStack: string,
  pwqualityConf: readonly string[],
): string | undefined {
  const modules = parsePamPassword(pamStack);
  const checker = modules.find((m) => m.module === "pam_pwquality" || m.module === "pam_cracklib");
  const passwdqc = modules.find((m) => m.module === "pam_passwdqc");
  const unix = modules.find((m) => m.module === "pam_unix");
  if (checker) {
    const v = passwordSettings(checker, pwqualityConf).get("minlen");
    return v !== undefined && int(v) === undefined
      ? `${checker.module} minlen=${v} is not a number`
      : undefined;
  }
  if (passwdqc) {
    const min = passwdqc.args.get("min");
    return min !== undefined && !min.split(",").some((v) => int(v) !== undefined)
      ? `pam_passwdqc min=${min} names no length`
      : undefined;
  }
  const v = unix?.args.get("minlen");
  return v !== undefined && int(v) === undefined ? `pam_unix minlen=${v} is not a number` : undefined;
}

const PAM_STACKS = [
  "/etc/pam.d/common-password",
  "/etc/pam.d/system-auth",
  "/etc/pam.d/password-auth",
  "/etc/pam.d/passwd",
];

export async function probePassword(host: Host): Promise<ProbeResult> {
  const [loginDefs, stacks, pwqDir] = await Promise.all([
    host.read("/etc/login.defs"),
    Promise.all(PAM_STACKS.map((p) => host.read(p))),
    host.list("/etc/security/pwquality.conf.d"),
  ]);
  const stack = stacks.find((s) => s.ok);
  if (!stack?.ok && !loginDefs.ok)
    return deviceRecord().fail("password", "neither /etc/login.defs nor a PAM password stack is readable");
  const pwqFiles = [
    "/etc/security/pwquality.conf",
    ...pwqDir.filter((n) => n.endsWith(".conf")).map((n) => `/etc/security/pwquality.conf.d/${n}`),
  ];
  const pwq = await Promise.all(pwqFiles.map((p) => host.read(p)));
  const pwqTexts = pwq.flatMap((r) => (r.ok ? [r.text] : []));
  const facts = decidePassword(
    loginDefs.ok ? loginDefs.text : undefined,
    stack?.ok ? stack.text : "",
    pwqTexts,
  );
  const lengthProblem = passwordLengthProblem(stack?.ok ? stack.text : "", pwqTexts);
  const sources = [
    loginDefs.ok ? "file: /etc/login.defs" : undefined,
    stack?.ok ? `file: ${stack.path}` : undefined,
    ...pwq.flatMap((r) => (r.ok ? [`file: ${r.path}`] : [])),
  ].filter(Boolean);
  const record = deviceRecord().set("password", facts, sources.join("; "));
  if (lengthProblem) record.fail("password.minLength", lengthProblem, sources.join("; "));
  return record;
}
