import type { DeviceFacts } from "../../../core/facts/device.js";
import type { ResourceInput } from "../../../core/resource.js";
import { describeFailure, type ExecResult, firstLine } from "../exec.js";
import { probeHardware } from "../hardware.js";
import { deviceName, deviceRecord, deviceUid, type Host, type ProbeResult } from "../probe.js";
import {
  isMajorUpgrade,
  isSecurityUpdate,
  macosCodename,
  parseAlfAppCount,
  parseAlfGlobalState,
  parseConsoleUser,
  parseCsrutilStatus,
  parseDefaultsDate,
  parseDefaultsNumber,
  parseDiskutilInfo,
  parseDsclGroupMembership,
  parseDsclUidZero,
  parseFdesetupStatus,
  parseIoregPlatformUuid,
  parseMountControls,
  parseProfilesEnrollment,
  parsePwpolicyAccountPolicies,
  parsePwpolicyLockout,
  parseSoftwareUpdateList,
  parseSoftwareUpdateSchedule,
  parseSpctlStatus,
  parseSwVers,
  parseSysadminctlScreenLock,
  parseSystemsetupOnOff,
  parseTmutilDestinations,
  parseTmutilLatestBackup,
} from "./parse.js";

/**
 * macOS device posture from the platform's own tools (run as root by the launchd daemon). Every probe is
 * independent: a tool that is missing, denied or prints something unexpected makes only its fact group
 * unreadable, with the command and the reason.
 */
const ALF = "/usr/libexec/ApplicationFirewall/socketfilterfw";
const MANAGED = "/Library/Managed Preferences";
/**
 * XProtect's signature bundle: macOS 15 and later install updates under /var/protected/xprotect and leave the
 * legacy bundle behind at its shipped version, so both are read and the newer one counts.
 */
const XPROTECT_PLISTS = [
  "/var/protected/xprotect/XProtect.bundle/Contents/Info.plist",
  "/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist",
];
const SOFTWARE_UPDATE_PREFS = "/Library/Preferences/com.apple.SoftwareUpdate";
/** sshd settings the DEV-SSH rules read: never absent unexplained, or a rule would take OpenSSH's default. */
const SSHD_SETTINGS = ["ssh.permitRootLogin", "ssh.passwordAuthentication", "ssh.permitEmptyPasswords"];

/** Who this Mac is: the hardware UUID (the uid) always; the hostname and the OS only when they were read. */
export interface DarwinIdentity {
  os?: NonNullable<DeviceFacts["os"]>;
  hostname?: string;
  hardwareUuid: string;
  uidSource: "hardware";
}

export interface DarwinProbe {
  identity?: DarwinIdentity;
  result: ProbeResult;
}

const text = (r: ExecResult) => `${r.stdout}\n${r.stderr}`;
/** `defaults read` of one key; undefined when the key or domain is absent. */
async function readDefault(
  host: Host,
  domain: string,
  key: string,
  options: { uid?: number; gid?: number; currentHost?: boolean; env?: Record<string, string> } = {},
) {
  const args = [...(options.currentHost ? ["-currentHost"] : []), "read", domain, key];
  const r = await host.exec("/usr/bin/defaults", args, options);
  return { result: r, value: r.ok ? r.stdout.trim() : undefined };
}

/** Every fact-group probe, run at once; each turns its own failures into `unreadable`, never a throw. */
const PROBES: Record<string, (host: Host) => Promise<ProbeResult>> = {
  diskEncryption: probeDiskEncryption,
  firewall: probeFirewall,
  updates: probeUpdates,
  screenLock: probeScreenLock,
  malware: probeMalware,
  backup: probeBackup,
  removableMedia: probeRemovableMedia,
  platformIntegrity: probeIntegrity,
  accounts: probeAccounts,
  timeSync: probeTimeSync,
  ssh: probeRemoteLogin,
  password: probePassword,
  lockout: probeLockout,
  mdm: probeMdm,
  hardware: probeHardware,
};

async function guarded(
  name: string,
  probe: (host: Host) => Promise<ProbeResult>,
  host: Host,
): Promise<ProbeResult> {
  try {
    return await probe(host);
  } catch (error) {
    // A bug in one probe costs that fact group only (its rules become `error`), not the whole device.
    return deviceRecord().fail(name, `probe failed: ${(error as Error).message}`);
  }
}

export async function probeDarwinDevice(host: Host): Promise<DarwinProbe> {
  const [identity, ...results] = await Promise.all([
    probeIdentity(host).catch(
      (error: Error): DarwinProbe => ({
        result: deviceRecord().fail("os", `probe failed: ${error.message}`),
      }),
    ),
    ...Object.entries(PROBES).map(([name, probe]) => guarded(name, probe, host)),
  ]);
  const desktop = deviceRecord().set(
    "desktopSession",
    true,
    "platform: macOS always runs a graphical login session",
  );
  return {
    ...(identity.identity ? { identity: identity.identity } : {}),
    result: deviceRecord().merge(identity.result, desktop, ...results),
  };
}

/** The macOS device resource, shaped like the Linux one: uid from the hardware UUID. */
export async function collectDarwinDevice(host: Host): Promise<ResourceInput> {
  const { identity, result } = await probeDarwinDevice(host);
  const uid = deviceUid(identity?.hardwareUuid, result.unreadable);
  return {
    uid,
    type: "device",
    provider: "device",
    name: deviceName(identity?.hostname, uid),
    tags: identity ? { uidSource: identity.uidSource } : {},
    attributes: result.attributes,
    sources: result.sources,
    unreadable: result.unreadable,
    collectedAt: host.now.toISOString(),
  };
}

/**
 * The hardware UUID identifies the Mac; without it nothing is reported (deviceUid). The OS version and the
 * hostname are facts like any other: one that cannot be read is `unreadable`, and the device is still reported.
 */
async function probeIdentity(host: Host): Promise<DarwinProbe> {
  const [sw, uname, arch, ioreg, hostnameRun] = await Promise.all([
    host.exec("/usr/bin/sw_vers", []),
    host.exec("/usr/bin/uname", ["-r"]),
    host.exec("/usr/bin/uname", ["-m"]),
    host.exec("/usr/sbin/ioreg", ["-rd1", "-c", "IOPlatformExpertDevice"]),
    host.exec("/bin/hostname", []),
  ]);
  const version = sw.ok ? parseSwVers(sw.stdout) : undefined;
  const uuid = ioreg.ok ? parseIoregPlatformUuid(ioreg.stdout) : undefined;
  const name = hostnameRun.ok ? hostnameRun.stdout.trim() : "";
  const result = deviceRecord();
  let os: NonNullable<DeviceFacts["os"]> | undefined;
  if (!version || !uname.ok) {
    result.fail("os", version ? describeFailure(uname) : `${describeFailure(sw)}: no ProductVersion`);
  } else {
    const codename = macosCodename(version.productVersion);
    os = {
      platform: "darwin",
      distro: version.productName,
      release: version.productVersion,
      ...(codename ? { codename } : {}),
      kernel: uname.stdout.trim(),
      arch: arch.ok ? arch.stdout.trim() : process.arch,
    };
    result.set("os", os, "cmd: sw_vers; uname -r");
  }
  if (name) result.set("hostname", name, "cmd: hostname");
  else
    result.fail(
      "hostname",
      hostnameRun.ok ? `${hostnameRun.command}: printed nothing` : describeFailure(hostnameRun),
    );
  if (!uuid) {
    result.fail("hardwareUuid", ioreg.ok ? `${ioreg.command}: no IOPlatformUUID` : describeFailure(ioreg));
    return { result };
  }
  result.set("hardwareUuid", uuid, "cmd: ioreg -rd1 -c IOPlatformExpertDevice");
  return {
    identity: {
      ...(os ? { os } : {}),
      ...(name ? { hostname: name } : {}),
      hardwareUuid: uuid,
      uidSource: "hardware",
    },
    result,
  };
}

async function probeDiskEncryption(host: Host): Promise<ProbeResult> {
  const [fde, info] = await Promise.all([
    host.exec("/usr/bin/fdesetup", ["status"]),
    host.exec("/usr/sbin/diskutil", ["info", "/"]),
  ]);
  const state = parseFdesetupStatus(fde.stdout);
  if (!state)
    return deviceRecord().fail(
      "diskEncryption",
      fde.ok ? `${fde.command}: unexpected output: "${firstLine(fde.stdout)}"` : describeFailure(fde),
      "cmd: fdesetup status",
    );
  const volume = info.ok ? parseDiskutilInfo(info.stdout) : undefined;
  // Until encryption finishes, data on the disk is not all protected: only "On" counts. Deferred enablement
  // ("will be enabled after the next restart") has not encrypted anything yet.
  const encrypted = state === "on";
  return deviceRecord().set(
    "diskEncryption",
    {
      systemVolumeEncrypted: encrypted,
      method: encrypted || state === "encrypting" ? "filevault" : "none",
      volumes: volume
        ? [
            {
              mount: volume.mount,
              device: volume.device,
              encrypted,
              ...(encrypted ? { method: "filevault" } : {}),
            },
          ]
        : [],
    },
    "cmd: fdesetup status; diskutil info /",
  );
}

async function probeFirewall(host: Host): Promise<ProbeResult> {
  const [state, apps] = await Promise.all([
    host.exec(ALF, ["--getglobalstate"]),
    host.exec(ALF, ["--listapps"]),
  ]);
  const enabled = parseAlfGlobalState(state.stdout);
  if (enabled === undefined)
    return deviceRecord().fail("firewall", describeFailure(state), `cmd: ${ALF} --getglobalstate`);
  // A failed --listapps leaves the app count unread (never 0): DEV-FW-001 is then `error` with the reason.
  const ruleCount = apps.ok ? parseAlfAppCount(apps.stdout) : undefined;
  const record = deviceRecord().set(
    "firewall",
    { enabled, backend: "macos-alf", ...(ruleCount !== undefined ? { ruleCount } : {}) },
    `cmd: ${ALF} --getglobalstate; --listapps`,
  );
  if (ruleCount === undefined) {
    record.fail(
      "firewall.ruleCount",
      apps.ok ? `unexpected output: "${firstLine(apps.stdout)}"` : describeFailure(apps),
      `cmd: ${ALF} --listapps`,
    );
  }
  return record;
}

async function probeUpdates(host: Host): Promise<ProbeResult> {
  const [list, schedule, critical, lastDate, sw] = await Promise.all([
    // Listing asks Apple's catalogue over the network; give it time.
    host.exec("/usr/sbin/softwareupdate", ["-l"], { timeoutMs: 180_000 }),
    host.exec("/usr/sbin/softwareupdate", ["--schedule"]),
    readDefault(host, SOFTWARE_UPDATE_PREFS, "CriticalUpdateInstall"),
    readDefault(host, SOFTWARE_UPDATE_PREFS, "LastSuccessfulDate"),
    host.exec("/usr/bin/sw_vers", []),
  ]);
  const source = "cmd: softwareupdate -l";
  if (!list.ok && !list.stdout.trim()) return deviceRecord().fail("updates", describeFailure(list), source);
  const listing = parseSoftwareUpdateList(list.stdout, list.stderr);
  if (!listing.ok) return deviceRecord().fail("updates", `${list.command}: ${listing.reason}`, source);
  const items = listing.items;
  // Whether an offered macOS is an upgrade to a new major release depends on the release running now.
  const running = sw.ok ? parseSwVers(sw.stdout)?.productVersion : undefined;
  if (!running && items.some((i) => /^macOS\b/i.test(i.title)))
    return deviceRecord().fail(
      "updates",
      `${describeFailure(sw)}: no ProductVersion, so an offered macOS cannot be told from a major upgrade`,
      source,
    );
  const runningVersion = running ?? "";
  const upgrades = items.filter((i) => isMajorUpgrade(i, runningVersion));
  const updates = items.filter((i) => !isMajorUpgrade(i, runningVersion));
  const checking = parseSoftwareUpdateSchedule(text(schedule));
  // CriticalUpdateInstall nobody set is left unset: Apple's default (on) is DEV-PATCH-002's to state. With
  // checking off nothing installs by itself whatever that key says.
  const critical01 = critical.value === undefined ? undefined : parseDefaultsNumber(critical.value);
  const criticalNotSet = critical.value === undefined && /does not exist/i.test(text(critical.result));
  const automaticUnreadable =
    checking === undefined
      ? `${schedule.command}: unexpected output: "${firstLine(text(schedule))}"`
      : checking && critical01 === undefined && !criticalNotSet
        ? `CriticalUpdateInstall: ${critical.value !== undefined ? `not a boolean: "${firstLine(critical.value)}"` : describeFailure(critical.result)}`
        : undefined;
  const automatic =
    automaticUnreadable !== undefined || checking === undefined
      ? undefined
      : !checking
        ? false
        : critical01 === undefined
          ? undefined
          : critical01 !== 0;
  const refreshed = lastDate.value ? parseDefaultsDate(lastDate.value) : undefined;
  const record = deviceRecord().set(
    "updates",
    {
      manager: "softwareupdate",
      // A new major macOS ("macOS Sonoma 14.0" offered to 13.x) is an upgrade the organisation may defer on
      // purpose; it is neither a pending update nor a security fix for the release running now.
      pending: updates.length,
      pendingSecurity: updates.filter((i) => isSecurityUpdate(i, runningVersion)).length,
      securityUpdates: updates.filter((i) => isSecurityUpdate(i, runningVersion)).map((i) => i.label),
      ...(automatic !== undefined ? { automatic } : {}),
      ...(automatic === true
        ? { automaticMechanism: "softwareupdate schedule + CriticalUpdateInstall" }
        : {}),
      ...(automatic === undefined && automaticUnreadable === undefined
        ? { automaticMechanism: "softwareupdate schedule (CriticalUpdateInstall not set)" }
        : {}),
      // macOS applies restart-type updates only during a restart: one is pending until the Mac restarts.
      rebootRequired: updates.some((i) => i.restart),
      ...(refreshed ? { lastRefreshedAt: refreshed } : {}),
    },
    `cmd: softwareupdate -l; softwareupdate --schedule; defaults read com.apple.SoftwareUpdate; sw_vers${
      upgrades.length ? ` (major upgrades not counted: ${upgrades.map((u) => u.title).join(", ")})` : ""
    }`,
  );
  if (automaticUnreadable)
    record.fail(
      "updates.automatic",
      automaticUnreadable,
      "cmd: softwareupdate --schedule; defaults read /Library/Preferences/com.apple.SoftwareUpdate CriticalUpdateInstall",
    );
  return record;
}

async function consoleUser(host: Host): Promise<{ name: string; uid: number; gid: number } | undefined> {
  const who = await host.exec("/usr/bin/stat", ["-f", "%Su", "/dev/console"]);
  const name = who.ok ? parseConsoleUser(who.stdout) : undefined;
  if (!name) return undefined;
  const [uid, gid] = await Promise.all([
    host.exec("/usr/bin/id", ["-u", name]),
    host.exec("/usr/bin/id", ["-g", name]),
  ]);
  if (!uid.ok || !gid.ok) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * macOS screen lock: the screen saver starts after `idleTime` seconds and the password is asked
 * `askForPasswordDelay` seconds later. A managed profile wins; otherwise the console user's own settings are read
 * as that user. A key nobody set is left unset here: macOS's default then applies, and DEV-SCR-001 states it.
 */
async function probeScreenLock(host: Host): Promise<ProbeResult> {
  const managedDomain = `${MANAGED}/com.apple.screensaver`;
  const [mIdle, mAsk, mDelay, user] = await Promise.all([
    readDefault(host, managedDomain, "idleTime"),
    readDefault(host, managedDomain, "askForPassword"),
    readDefault(host, managedDomain, "askForPasswordDelay"),
    consoleUser(host),
  ]);
  let idle = mIdle.value !== undefined ? parseDefaultsNumber(mIdle.value) : undefined;
  let requirePassword = mAsk.value !== undefined ? parseDefaultsNumber(mAsk.value) === 1 : undefined;
  let delay = mDelay.value !== undefined ? parseDefaultsNumber(mDelay.value) : undefined;
  let idleSet = mIdle.value !== undefined;
  const sources = ["defaults read /Library/Managed Preferences/com.apple.screensaver"];
  if ((idle === undefined || requirePassword === undefined) && !user) {
    return deviceRecord().fail(
      "screenLock",
      "no user is logged in at the console and no managed screensaver profile is installed",
    );
  }
  if (user) {
    // The idle time and the password prompt are the console user's own settings: read them as that user.
    const as = { uid: user.uid, gid: user.gid, env: { HOME: `/Users/${user.name}`, USER: user.name } };
    if (!idleSet) {
      const own = await readDefault(host, "com.apple.screensaver", "idleTime", { ...as, currentHost: true });
      idleSet = own.value !== undefined;
      if (idleSet) idle = parseDefaultsNumber(own.value ?? "");
      sources.push(
        `defaults -currentHost read com.apple.screensaver idleTime (as ${user.name}${idleSet ? "" : ": not set"})`,
      );
    }
    if (requirePassword === undefined || delay === undefined) {
      const status = await host.exec("/usr/sbin/sysadminctl", ["-screenLock", "status"], as);
      const parsed = parseSysadminctlScreenLock(text(status));
      if (!parsed)
        return deviceRecord().fail(
          "screenLock",
          status.ok || status.stderr.trim()
            ? `${status.command}: unexpected output: "${firstLine(text(status))}"`
            : describeFailure(status),
          "cmd: sysadminctl -screenLock status",
        );
      requirePassword ??= parsed.requirePassword;
      delay ??= parsed.delaySeconds;
      sources.push(`sysadminctl -screenLock status (as ${user.name})`);
    }
  }
  const source = `cmd: ${sources.join("; ")}`;
  if (idleSet && idle === undefined)
    return deviceRecord().fail("screenLock", "screensaver idleTime is not a number", source);
  if (requirePassword !== true)
    return deviceRecord().set(
      "screenLock",
      { mechanism: "macos", enabled: false, requirePassword: false },
      source,
    );
  // askForPasswordDelay has no default (Apple: "When you use this prompt, you must also provide
  // askForPasswordDelay"): a delay neither the profile nor sysadminctl gave is unread, never 0.
  const noDelay = user
    ? "the managed profile sets askForPassword without askForPasswordDelay and sysadminctl reports no delay"
    : "the managed profile sets no askForPasswordDelay and no user is logged in to ask sysadminctl for it";
  if (!idleSet) {
    // No idleTime anywhere: whether and when the screen locks is macOS's default (DEV-SCR-001 states it).
    const record = deviceRecord().set(
      "screenLock",
      {
        mechanism: "macos",
        requirePassword: true,
        ...(delay !== undefined ? { passwordDelaySeconds: delay } : {}),
      },
      source,
    );
    return delay === undefined ? record.fail("screenLock.passwordDelaySeconds", noDelay, source) : record;
  }
  // idleTime is set and a number here (checked above); 0 means the screen saver never starts.
  if (idle === undefined || idle <= 0)
    return deviceRecord().set(
      "screenLock",
      { mechanism: "macos", enabled: false, requirePassword: true },
      source,
    );
  if (delay === undefined)
    return deviceRecord()
      .set("screenLock", { mechanism: "macos", enabled: true, requirePassword: true }, source)
      .fail("screenLock.idleSeconds", noDelay, source);
  return deviceRecord().set(
    "screenLock",
    { mechanism: "macos", enabled: true, idleSeconds: idle + delay, requirePassword: true },
    source,
  );
}

async function readXProtect(host: Host, plist: string) {
  const [version, mtime] = await Promise.all([
    readDefault(host, plist.replace(/\.plist$/, ""), "CFBundleShortVersionString"),
    host.mtime(plist),
  ]);
  const number = version.value !== undefined ? Number.parseInt(version.value, 10) : Number.NaN;
  return mtime === undefined || !Number.isFinite(number)
    ? undefined
    : { plist, version: version.value ?? "", number, mtime };
}

async function probeMalware(host: Host): Promise<ProbeResult> {
  const found = (await Promise.all(XPROTECT_PLISTS.map((p) => readXProtect(host, p)))).filter(
    (x): x is NonNullable<typeof x> => x !== undefined,
  );
  const source = `file: ${XPROTECT_PLISTS.join(", ")}`;
  const newest = found.sort((a, b) => b.number - a.number)[0];
  if (!newest) return deviceRecord().set("malware", { installed: false, running: false }, source);
  return deviceRecord().set(
    "malware",
    {
      installed: true,
      // XProtect is part of the OS and has no off switch: Apple Platform Security, "Protecting against malware
      // in macOS" (https://support.apple.com/guide/security/sec469d47bd8/web): it checks for known malicious
      // content when an app is first launched, when an app has been changed in the file system and when its
      // signatures are updated. Present means on; its definitions' age is DEV-MAL-002's concern.
      running: true,
      product: `XProtect ${newest.version}`,
      signatureAgeHours: Math.max(0, Math.round(((host.now.getTime() - newest.mtime) / 3_600_000) * 10) / 10),
      realTimeProtection: true,
    },
    `file: ${newest.plist}`,
  );
}

async function probeBackup(host: Host): Promise<ProbeResult> {
  const [dest, latest] = await Promise.all([
    host.exec("/usr/bin/tmutil", ["destinationinfo"]),
    host.exec("/usr/bin/tmutil", ["latestbackup"]),
  ]);
  const destinations = parseTmutilDestinations(text(dest));
  if (destinations === undefined)
    return deviceRecord().fail("backup", describeFailure(dest), "cmd: tmutil destinationinfo");
  if (destinations === 0)
    return deviceRecord().set(
      "backup",
      { configured: false, tool: "time-machine" },
      "cmd: tmutil destinationinfo",
    );
  const at = latest.ok ? parseTmutilLatestBackup(latest.stdout) : undefined;
  return deviceRecord().set(
    "backup",
    {
      configured: true,
      tool: "time-machine",
      ...(at
        ? {
            latestAgeHours: Math.max(
              0,
              Math.round(((host.now.getTime() - at.getTime()) / 3_600_000) * 10) / 10,
            ),
          }
        : {}),
    },
    "cmd: tmutil destinationinfo; tmutil latestbackup",
  );
}

async function probeRemovableMedia(host: Host): Promise<ProbeResult> {
  const r = await host.exec("/usr/bin/defaults", [
    "read",
    `${MANAGED}/com.apple.systemuiserver`,
    "mount-controls",
  ]);
  const source = `cmd: defaults read "${MANAGED}/com.apple.systemuiserver" mount-controls`;
  if (!r.ok) {
    // No managed mount-controls: nothing restricts external disks.
    if (/does not exist/i.test(text(r)))
      return deviceRecord().set("removableMedia", { usbStorageBlocked: false }, source);
    return deviceRecord().fail("removableMedia", describeFailure(r), source);
  }
  const controls = parseMountControls(r.stdout);
  if (!controls) return deviceRecord().fail("removableMedia", `${r.command}: unexpected output`, source);
  return deviceRecord().set(
    "removableMedia",
    {
      usbStorageBlocked: controls.blocked,
      ...(controls.actions.length
        ? { mechanism: `mount-controls harddisk-external: ${controls.actions.join(", ")}` }
        : {}),
    },
    source,
  );
}

async function probeIntegrity(host: Host): Promise<ProbeResult> {
  const [csr, spctl] = await Promise.all([
    host.exec("/usr/bin/csrutil", ["status"]),
    host.exec("/usr/sbin/spctl", ["--status"]),
  ]);
  const sip = parseCsrutilStatus(csr.stdout);
  const gatekeeper = parseSpctlStatus(text(spctl));
  if (sip === undefined && gatekeeper === undefined)
    return deviceRecord().fail("platformIntegrity", `${describeFailure(csr)}; ${describeFailure(spctl)}`);
  const result = deviceRecord().set(
    "platformIntegrity",
    { ...(sip !== undefined ? { sip } : {}), ...(gatekeeper !== undefined ? { gatekeeper } : {}) },
    "cmd: csrutil status; spctl --status",
  );
  if (sip === undefined) result.fail("platformIntegrity.sip", describeFailure(csr));
  if (gatekeeper === undefined) result.fail("platformIntegrity.gatekeeper", describeFailure(spctl));
  return result;
}

async function probeAccounts(host: Host): Promise<ProbeResult> {
  const [admins, uids] = await Promise.all([
    host.exec("/usr/bin/dscl", [".", "-read", "/Groups/admin", "GroupMembership"]),
    host.exec("/usr/bin/dscl", [".", "-list", "/Users", "UniqueID"]),
  ]);
  const localAdmins = parseDsclGroupMembership(text(admins));
  const extraUidZeroUsers = uids.ok ? parseDsclUidZero(uids.stdout) : undefined;
  if (!extraUidZeroUsers)
    return deviceRecord().fail("accounts", describeFailure(uids), "cmd: dscl . -list /Users UniqueID");
  const result = deviceRecord().set(
    "accounts",
    { extraUidZeroUsers, ...(localAdmins ? { localAdmins } : {}) },
    "cmd: dscl . -list /Users UniqueID; dscl . -read /Groups/admin GroupMembership",
  );
  // Directory Services keeps only password hashes; telling an empty password apart needs a login attempt.
  result.fail("accounts.emptyPasswordUsers", "macOS cannot tell an empty password without trying to log in");
  if (!localAdmins) result.fail("accounts.localAdmins", describeFailure(admins));
  return result;
}

async function probeTimeSync(host: Host): Promise<ProbeResult> {
  const r = await host.exec("/usr/sbin/systemsetup", ["-getusingnetworktime"]);
  const on = parseSystemsetupOnOff(text(r), "Network Time");
  if (on === undefined)
    return deviceRecord().fail("timeSync", describeFailure(r), "cmd: systemsetup -getusingnetworktime");
  return deviceRecord().set(
    "timeSync",
    { active: on, service: "timed" },
    "cmd: systemsetup -getusingnetworktime",
  );
}

async function probeRemoteLogin(host: Host): Promise<ProbeResult> {
  const r = await host.exec("/usr/sbin/systemsetup", ["-getremotelogin"]);
  const on = parseSystemsetupOnOff(text(r), "Remote Login");
  if (on === undefined)
    return deviceRecord().fail("ssh", describeFailure(r), "cmd: systemsetup -getremotelogin");
  // sshd ships with macOS; "Remote Login" is whether launchd lets it accept connections.
  return deviceRecord()
    .set("ssh", { serverInstalled: true, serverRunning: on }, "cmd: systemsetup -getremotelogin")
    .fail(SSHD_SETTINGS, "not collected on macOS: sshd_config is not read (only Remote Login)");
}

async function probePassword(host: Host): Promise<ProbeResult> {
  const r = await host.exec("/usr/bin/pwpolicy", ["-getaccountpolicies"]);
  const policy = parsePwpolicyAccountPolicies(text(r));
  if (!policy)
    return deviceRecord().fail("password", describeFailure(r), "cmd: pwpolicy -getaccountpolicies");
  return deviceRecord().set(
    "password",
    {
      ...(policy.maxAgeDays !== undefined ? { maxAgeDays: policy.maxAgeDays } : {}),
      ...(policy.minLength !== undefined ? { minLength: policy.minLength } : {}),
      ...(policy.minClasses !== undefined ? { minClasses: policy.minClasses } : {}),
      // Open Directory enforces the account policies itself; there is no PAM-style module to name.
      qualityModule: policy.contentPolicies > 0 ? "pwpolicy" : "none",
    },
    "cmd: pwpolicy -getaccountpolicies",
  );
}

async function probeLockout(host: Host): Promise<ProbeResult> {
  const r = await host.exec("/usr/bin/pwpolicy", ["-getaccountpolicies"]);
  const policy = parsePwpolicyLockout(text(r));
  const source = "cmd: pwpolicy -getaccountpolicies";
  if (!policy) return deviceRecord().fail("lockout", describeFailure(r), source);
  return deviceRecord().set(
    "lockout",
    {
      maxAttempts: policy.maxAttempts,
      ...(policy.unlockSeconds !== undefined ? { unlockSeconds: policy.unlockSeconds } : {}),
      mechanism: policy.maxAttempts > 0 ? "pwpolicy" : "none",
    },
    source,
  );
}

async function probeMdm(host: Host): Promise<ProbeResult> {
  const r = await host.exec("/usr/bin/profiles", ["status", "-type", "enrollment"]);
  const status = parseProfilesEnrollment(text(r));
  const source = "cmd: profiles status -type enrollment";
  if (!status)
    return deviceRecord().fail(
      "mdm",
      r.ok ? `${r.command}: unexpected output: "${firstLine(text(r))}"` : describeFailure(r),
      source,
    );
  let provider: string | undefined;
  try {
    provider = status.server ? new URL(status.server).host : undefined;
  } catch {
    provider = status.server;
  }
  return deviceRecord().set(
    "mdm",
    {
      enrolled: status.enrolled,
      ...(provider ? { provider } : {}),
      automatedEnrollment: status.automated,
      userApproved: status.userApproved,
    },
    source,
  );
}
