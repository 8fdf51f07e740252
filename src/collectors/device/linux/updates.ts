import { release } from "node:os";
import { z } from "zod";
import type { DeviceFacts } from "../../../core/facts/device.js";
import { cachedByFingerprint, fingerprintFiles } from "../cache.js";
import { describeFailure, type ExecResult } from "../exec.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

type Updates = NonNullable<DeviceFacts["updates"]>;

export interface PendingUpdates {
  pending: number;
  pendingSecurity: number;
  /** Names of the packages with a security update, for evidence. */
  securityPackages: string[];
}

/** An origin is a security archive: Debian `…-security` suites, Ubuntu `jammy-security`, labels `Debian-Security`. */
function isSecurityOrigin(origin: string): boolean {
  return /-security\b|security\./i.test(origin) || /(^|[\s,(])[\w.-]*Security:/.test(origin);
}

/**
 * Pure: `apt-get -s dist-upgrade` (or `upgrade`) -> pending updates. Each upgrade is an `Inst` line whose
 * parenthesis names the candidate version and the archives it comes from:
 *   Inst openssl [3.0.11-1~deb12u2] (3.0.15-1~deb12u1 Debian-Security:12/stable-security [amd64])
 * A line without `[old version]` is a new package pulled in as a dependency, not an update.
 */
export function parseAptSimulation(text: string): PendingUpdates {
  const security = new Set<string>();
  let pending = 0;
  for (const line of text.split("\n")) {
    // A trailing "[]" or "[arch]" may follow the parenthesis (broken or held packages).
    const m = /^Inst (\S+) \[[^\]]+\] \(([^)]*)\)/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    pending += 1;
    if (isSecurityOrigin(m[2])) security.add(m[1]);
  }
  return { pending, pendingSecurity: security.size, securityPackages: [...security].sort() };
}

/** Pure: `apt list --upgradable` lines `name/suite1,suite2 version arch [upgradable from: old]`. */
export function parseAptListUpgradable(text: string): PendingUpdates {
  const security = new Set<string>();
  let pending = 0;
  for (const line of text.split("\n")) {
    const m = /^([^/\s]+)\/(\S+) \S+ \S+ \[upgradable from:/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    pending += 1;
    if (m[2].split(",").some((suite) => suite.endsWith("-security"))) security.add(m[1]);
  }
  return { pending, pendingSecurity: security.size, securityPackages: [...security].sort() };
}

/**
 * Pure: `apt-config dump` -> whether unattended upgrades are switched on. apt merges /etc/apt/apt.conf.d in
 * order, so the dump holds the effective value (20auto-upgrades normally sets it).
 */
export function parseAptPeriodic(dump: string): { unattendedUpgrade: boolean; updateLists: boolean } {
  const value = (key: string) => {
    const m = new RegExp(`^${key}\\s+"([^"]*)";`, "m").exec(dump);
    return m?.[1]?.trim() ?? "";
  };
  const on = (v: string) =>
    v !== "" && v !== "0" && v.toLowerCase() !== "false" && v.toLowerCase() !== "never";
  return {
    unattendedUpgrade: on(value("APT::Periodic::Unattended-Upgrade")),
    updateLists: on(value("APT::Periodic::Update-Package-Lists")),
  };
}

/**
 * Pure: `dnf -C -q check-update` (exit 100 when updates exist) -> package names. Lines are
 * `name.arch  version  repo`; a section "Obsoleting Packages" repeats names and ends the list.
 */
export function parseDnfCheckUpdate(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    if (/^Obsoleting Packages/i.test(line.trim())) break;
    const m = /^(\S+)\.(\w+)\s+\S+\s+\S+\s*$/.exec(line.trim());
    if (m?.[1] && !/^(Last|Security:)/.test(line)) names.add(m[1]);
  }
  return [...names].sort();
}

/**
 * Pure: `dnf -C -q updateinfo list --security` lines `ADVISORY  Severity/Sec.  name-[epoch:]version-release.arch`
 * -> names of packages with a security update.
 */
export function parseDnfSecurityList(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m =
      /^\S+\s+\S*\/?Sec\.?\s+(\S+)\s*$/i.exec(line.trim()) ??
      /^\S+\s+security\s+(\S+)\s*$/i.exec(line.trim());
    if (!m?.[1]) continue;
    // strip -version-release.arch: the name is everything before the second-to-last dash.
    const nevra = m[1].replace(/\.[^.]+$/, "");
    const parts = nevra.split("-");
    names.add(parts.length > 2 ? parts.slice(0, -2).join("-") : nevra);
  }
  return [...names].sort();
}

/** Pure: dnf-automatic's automatic.conf `apply_updates = yes` (the timer alone may only download). */
export function parseDnfAutomaticConf(text: string): boolean {
  const m = /^\s*apply_updates\s*=\s*(\S+)/m.exec(text);
  return !!m?.[1] && /^(yes|true|1|on)$/i.test(m[1]);
}

const PendingSchema = z.strictObject({
  pending: z.number().int().nonnegative(),
  pendingSecurity: z.number().int().nonnegative(),
  securityPackages: z.array(z.string()),
});

const APT_LISTS = "/var/lib/apt/lists";
/** Bumped whenever a parser changes, so a cached result computed by an older parser is not reused. */
const PARSER_VERSION = 2;
// The apt solver needs seconds; allow it, since its result is cached until its inputs change.
const SOLVER_TIMEOUT_MS = 60_000;

async function newestListRefresh(host: Host): Promise<string | undefined> {
  const names = (await host.list(APT_LISTS)).filter((n) => n.endsWith("Release") || n.endsWith("InRelease"));
  const times = await Promise.all([
    host.mtime("/var/lib/apt/periodic/update-success-stamp"),
    ...names.map((n) => host.mtime(`${APT_LISTS}/${n}`)),
  ]);
  const newest = Math.max(0, ...times.filter((t): t is number => t !== undefined));
  return newest > 0 ? new Date(newest).toISOString() : undefined;
}

/** Compare kernel version strings chunk by chunk, numbers numerically (`6.1.0-21` > `6.1.0-9`). */
export function compareKernelVersions(a: string, b: string): number {
  const split = (v: string) => v.split(/[.\-_+~]/);
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    if (x === y) continue;
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Pure: the running kernel and the kernels installed in /lib/modules -> a newer one waits for a reboot.
 * Only kernels of the same flavour (`-amd64`, `-generic`, `.el9_4.x86_64` suffix) are compared, and when the
 * running kernel is not among the installed ones (a VM or container booted from outside) nothing is concluded.
 */
export function newerKernelInstalled(running: string, installed: readonly string[]): string | undefined {
  if (!installed.includes(running)) return undefined;
  const flavour = (v: string) => v.replace(/^[\d.\-_]+/, "").replace(/^[^a-z]*/i, "");
  const newest = installed
    .filter((v) => flavour(v) === flavour(running))
    .sort(compareKernelVersions)
    .at(-1);
  return newest && compareKernelVersions(newest, running) > 0 ? newest : undefined;
}

async function rebootRequiredDebian(host: Host): Promise<{ required: boolean; why: string }> {
  if ((await host.exists("/run/reboot-required")) || (await host.exists("/var/run/reboot-required")))
    return { required: true, why: "/run/reboot-required present" };
  const installed = await host.list("/lib/modules");
  const newer = newerKernelInstalled(release(), installed);
  if (newer) return { required: true, why: `kernel ${newer} installed, ${release()} running` };
  const kernel = installed.includes(release())
    ? "running the newest installed kernel"
    : "running kernel not in /lib/modules, booted from outside";
  return { required: false, why: `no /run/reboot-required; ${kernel}` };
}

async function probeApt(host: Host): Promise<ProbeResult> {
  const fingerprint = await fingerprintFiles(
    host,
    ["/var/lib/dpkg/status", "/etc/apt/sources.list", "/etc/apt/preferences"],
    [APT_LISTS, "/etc/apt/sources.list.d", "/etc/apt/preferences.d", "/etc/apt/apt.conf.d"],
  );
  let failure: ExecResult | undefined;
  const [simulation, config, unattended, lastRefreshedAt, rebootRequired] = await Promise.all([
    cachedByFingerprint(
      host.cacheDir,
      `apt-pending-v${PARSER_VERSION}`,
      fingerprint,
      host.now,
      PendingSchema,
      async () => {
        const result = await host.exec(
          "apt-get",
          ["-s", "-q", "-o", "Debug::NoLocking=true", "dist-upgrade"],
          {
            timeoutMs: SOLVER_TIMEOUT_MS,
          },
        );
        if (!result.ok) {
          failure = result;
          return undefined;
        }
        return parseAptSimulation(result.stdout);
      },
    ),
    host.exec("apt-config", ["dump"]),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a JS template
    host.exec("dpkg-query", ["-W", "-f", "${db:Status-Status}", "unattended-upgrades"]),
    newestListRefresh(host),
    rebootRequiredDebian(host),
  ]);
  if (!simulation)
    return deviceRecord().fail(
      "updates",
      failure ? describeFailure(failure) : "apt-get -s dist-upgrade failed",
    );
  const periodic = config.ok
    ? parseAptPeriodic(config.stdout)
    : { unattendedUpgrade: false, updateLists: false };
  const installed = unattended.ok && unattended.stdout.trim() === "installed";
  const automatic = periodic.unattendedUpgrade && installed;
  const updates: Updates = {
    manager: "apt",
    pending: simulation.value.pending,
    pendingSecurity: simulation.value.pendingSecurity,
    securityUpdates: simulation.value.securityPackages,
    automatic,
    ...(automatic ? { automaticMechanism: "unattended-upgrades" } : {}),
    rebootRequired: rebootRequired.required,
    ...(lastRefreshedAt ? { lastRefreshedAt } : {}),
  };
  const reused = simulation.reused
    ? ` (result of ${simulation.computedAt} reused: dpkg status, package lists and apt configuration unchanged since)`
    : "";
  return deviceRecord().set(
    "updates",
    updates,
    `cmd: apt-get -s -q -o Debug::NoLocking=true dist-upgrade${reused}; cmd: apt-config dump (APT::Periodic::Unattended-Upgrade=${periodic.unattendedUpgrade ? "on" : "off"}); cmd: dpkg-query -W unattended-upgrades (${installed ? "installed" : "not installed"}); file: /run/reboot-required, dir: /lib/modules (${rebootRequired.why}); dir: ${APT_LISTS}`,
  );
}

async function probeDnf(host: Host, tool: "dnf" | "yum"): Promise<ProbeResult> {
  const fingerprint = await fingerprintFiles(
    host,
    ["/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages", "/usr/lib/sysimage/rpm/rpmdb.sqlite"],
    [`/var/cache/${tool}`, "/etc/yum.repos.d"],
  );
  let failure: ExecResult | undefined;
  const DnfSchema = z.strictObject({ pending: z.array(z.string()), security: z.array(z.string()) });
  const [lists, timers, automaticConf, restarting] = await Promise.all([
    cachedByFingerprint(
      host.cacheDir,
      `${tool}-pending-v${PARSER_VERSION}`,
      fingerprint,
      host.now,
      DnfSchema,
      async () => {
        // -C: cache only. A scan never refreshes metadata over the network.
        const [check, security] = await Promise.all([
          host.exec(tool, ["-C", "-q", "check-update"], { timeoutMs: SOLVER_TIMEOUT_MS }),
          host.exec(tool, ["-C", "-q", "updateinfo", "list", "--security"], { timeoutMs: SOLVER_TIMEOUT_MS }),
        ]);
        // check-update: 0 = nothing pending, 100 = updates listed, anything else = error.
        if (check.code !== 0 && check.code !== 100) {
          failure = check;
          return undefined;
        }
        return {
          pending: parseDnfCheckUpdate(check.stdout),
          security: security.ok ? parseDnfSecurityList(security.stdout) : [],
        };
      },
    ),
    host.list("/etc/systemd/system/timers.target.wants"),
    host.read(tool === "dnf" ? "/etc/dnf/automatic.conf" : "/etc/yum/yum-cron.conf"),
    host.exec("needs-restarting", ["-r"]),
  ]);
  if (!lists)
    return deviceRecord().fail("updates", failure ? describeFailure(failure) : `${tool} check-update failed`);
  const installTimer = timers.find((t) => /^dnf5?-automatic-install\.timer$/.test(t));
  const plainTimer = timers.find((t) => /^dnf5?-automatic\.timer$/.test(t));
  const applies = automaticConf.ok && parseDnfAutomaticConf(automaticConf.text);
  const automatic = !!installTimer || (!!plainTimer && applies);
  // needs-restarting -r: exit 1 = reboot needed, 0 = not; missing tool leaves the fact unknown.
  const rebootKnown = !restarting.missing && (restarting.code === 0 || restarting.code === 1);
  const updates: Updates = {
    manager: tool,
    pending: lists.value.pending.length,
    pendingSecurity: lists.value.security.length,
    securityUpdates: lists.value.security,
    automatic,
    ...(automatic ? { automaticMechanism: installTimer ?? plainTimer ?? "dnf-automatic" } : {}),
    ...(rebootKnown ? { rebootRequired: restarting.code === 1 } : {}),
  };
  const result = deviceRecord().set(
    "updates",
    updates,
    `cmd: ${tool} -C -q check-update; cmd: ${tool} -C -q updateinfo list --security${lists.reused ? ` (result of ${lists.computedAt} reused: rpm database and metadata unchanged)` : ""}; dir: /etc/systemd/system/timers.target.wants; cmd: needs-restarting -r`,
  );
  if (!rebootKnown) result.fail("updates.rebootRequired", describeFailure(restarting));
  return result;
}

export async function probeUpdates(host: Host): Promise<ProbeResult> {
  const [apt, dnf, yum] = await Promise.all([
    host.exists("/usr/bin/apt-get"),
    host.exists("/usr/bin/dnf"),
    host.exists("/usr/bin/yum"),
  ]);
  if (apt) return probeApt(host);
  if (dnf) return probeDnf(host, "dnf");
  if (yum) return probeDnf(host, "yum");
  return deviceRecord().fail("updates", "no supported package manager (apt, dnf, yum) found");
}
