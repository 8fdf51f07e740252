import { z } from "zod";
import type { DeviceFacts } from "../../../core/facts/device.js";
import { realHardwareValue } from "../hardware.js";
import type { DeviceIdentity } from "../linux/os.js";
import { deviceRecord, type ProbeResult } from "../probe.js";
import { windowsBackupFacts } from "./backup.js";

/**
 * Pure: the JSON printed by the posture script (posture-script.ts) → device facts. Every section is validated
 * on its own; a section that reports an error or has an unexpected shape makes only its fact group
 * unreadable, with the reason.
 */
const ErrorSection = z.object({ error: z.string() });
/** PowerShell prints one-element lists as the element and empty lists as null in some versions. */
const list = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.preprocess((v) => (v == null ? [] : Array.isArray(v) ? v : [v]), z.array(item)) });
const str = z.string().nullish();
const num = z.number().nullish();
const bool = z.boolean().nullish();
const regValue = z.union([z.number(), z.string()]).nullish();
const Reg = <S extends z.ZodRawShape>(shape: S) => z.object({ present: z.boolean(), ...shape });

const Sections = {
  os: z.object({
    caption: z.string(),
    version: z.string(),
    build: str,
    architecture: str,
    displayVersion: str,
    installationType: str,
    hostname: z.string(),
    uuid: str,
  }),
  bitlocker: list(
    z.object({
      mountPoint: z.string(),
      volumeType: z.string(),
      protectionStatus: z.string(),
      volumeStatus: z.string(),
      encryptionMethod: str,
      encryptionPercentage: num,
    }),
  ),
  defender: z.object({
    amServiceEnabled: bool,
    antivirusEnabled: bool,
    realTimeProtectionEnabled: bool,
    amRunningMode: str,
    antivirusSignatureVersion: str,
    antivirusSignatureLastUpdated: str,
  }),
  antivirusProducts: list(z.object({ name: z.string(), productState: z.number() })),
  updates: list(
    z.object({
      title: z.string(),
      msrcSeverity: str,
      categories: z.preprocess((v) => (v == null ? [] : Array.isArray(v) ? v : [v]), z.array(z.string())),
    }),
  ),
  updateAgent: z.object({ lastSearchSuccessDate: str, rebootRequired: bool, serviceStartType: str }),
  updatePolicy: Reg({ NoAutoUpdate: regValue, AUOptions: regValue }),
  updateMdmPolicy: Reg({ AllowAutoUpdate: regValue }),
  firewall: list(z.object({ name: z.string(), enabled: z.string(), defaultInboundAction: str })),
  firewallRules: z.object({ count: z.number().int().nonnegative() }),
  machineInactivity: Reg({ InactivityTimeoutSecs: regValue }),
  userScreenSavers: list(
    z.object({
      sid: z.string(),
      policy: Reg({
        ScreenSaveActive: regValue,
        ScreenSaverIsSecure: regValue,
        ScreenSaveTimeOut: regValue,
        "SCRNSAVE.EXE": regValue,
      }),
      user: Reg({
        ScreenSaveActive: regValue,
        ScreenSaverIsSecure: regValue,
        ScreenSaveTimeOut: regValue,
        "SCRNSAVE.EXE": regValue,
      }),
    }),
  ),
  usbstor: Reg({ Start: regValue }),
  removableStoragePolicy: Reg({ Deny_All: regValue }),
  admins: list(z.string()),
  localUsers: list(z.object({ name: z.string(), enabled: z.boolean(), passwordRequired: z.boolean() })),
  secureBoot: z.object({ enabled: z.boolean(), supported: bool }),
  passwordPolicy: z.object({
    MinimumPasswordAge: num,
    MaximumPasswordAge: num,
    MinimumPasswordLength: num,
    PasswordComplexity: num,
    LockoutBadCount: num,
    ResetLockoutCount: num,
    LockoutDuration: num,
  }),
  mdmEnrollments: list(
    z.object({
      key: z.string(),
      providerId: z.string(),
      enrollmentState: regValue,
      upn: str,
      discoveryUrl: str,
    }),
  ),
  serverBackup: z.object({
    installed: z.boolean(),
    scheduled: bool,
    lastSuccessfulBackupTime: str,
    numberOfVersions: num,
  }),
  fileHistory: list(
    z.object({
      sid: z.string(),
      profile: z.string(),
      user: str,
      status: str,
      frequencySeconds: str,
      targetUrl: str,
      targetDriveType: str,
      error: str,
    }),
  ),
  oneDrivePolicy: Reg({
    KFMSilentOptIn: regValue,
    KFMSilentOptInDesktop: regValue,
    KFMSilentOptInDocuments: regValue,
    KFMSilentOptInPictures: regValue,
    KFMBlockOptOut: regValue,
  }),
  oneDriveUsers: list(
    z.object({
      sid: z.string(),
      profile: z.string(),
      loaded: z.boolean(),
      oneDriveDirs: z.preprocess((v) => (v == null ? [] : Array.isArray(v) ? v : [v]), z.array(z.string())),
      accountFolders: z
        .preprocess((v) => (v == null ? [] : Array.isArray(v) ? v : [v]), z.array(z.string()))
        .optional(),
      Desktop: str,
      Personal: str,
      "My Pictures": str,
    }),
  ),
  backupAgents: list(z.object({ name: z.string(), status: z.string(), startType: str })),
  hardware: z.object({ manufacturer: str, model: str, serial: str }),
  timeService: z.object({ status: z.string(), startType: str }),
  timeTriggers: z.object({ startTriggers: z.number().int().nonnegative(), ntpType: str, syncTaskState: str }),
  sshd: z.object({ installed: bool, status: str, startType: str }),
} as const;
type SectionName = keyof typeof Sections;
type Parsed = { [K in SectionName]: z.infer<(typeof Sections)[K]> };
type Read<K extends SectionName> = { ok: true; value: Parsed[K] } | { ok: false; reason: string };

export interface WindowsPosture {
  identity?: DeviceIdentity;
  result: ProbeResult;
}

const SOURCE = "cmd: powershell (posture script)";
const ZERO_UUIDS = new Set(["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]);
const toNumber = (v: string | number | null | undefined) =>
  v === null || v === undefined || v === "" ? undefined : Number(v);

export function parseWindowsPosture(json: string, now: Date): WindowsPosture | undefined {
  let raw: Record<string, unknown>;
  try {
    const value = JSON.parse(json.replace(/^\uFEFF/, "")) as unknown;
    if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
    raw = value as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const read = <K extends SectionName>(name: K): Read<K> => {
    const section = raw[name];
    const failed = ErrorSection.safeParse(section);
    if (failed.success) return { ok: false, reason: failed.data.error.trim() };
    const parsed = Sections[name].safeParse(section);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        reason: `unexpected ${name} output at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
      };
    }
    return { ok: true, value: parsed.data as Parsed[K] };
  };

  const result = deviceRecord();
  const set = <K extends keyof DeviceFacts & string>(key: K, value: DeviceFacts[K]) => {
    result.set(key, value, SOURCE);
  };
  const fail = (key: string, reason: string) => {
    result.fail(key, reason);
  };

  // Identity
  let identity: DeviceIdentity | undefined;
  const os = read("os");
  if (os.ok) {
    const o = os.value;
    const facts: NonNullable<DeviceFacts["os"]> = {
      platform: "win32",
      distro: o.caption.trim(),
      release: o.displayVersion || o.build || o.version,
      kernel: o.version,
      arch: /arm/i.test(o.architecture ?? "") ? "arm64" : /64/.test(o.architecture ?? "") ? "x64" : "ia32",
    };
    set("os", facts);
    set("hostname", o.hostname);
    // Server Core has no desktop; every other edition gives people graphical sessions (console or RDP).
    set("desktopSession", o.installationType !== "Server Core");
    const uuid = o.uuid?.trim().toLowerCase();
    if (uuid && !ZERO_UUIDS.has(uuid)) {
      set("hardwareUuid", uuid);
      identity = { os: facts, hostname: o.hostname, hardwareUuid: uuid, uidSource: "hardware" };
    } else fail("hardwareUuid", "Win32_ComputerSystemProduct.UUID is blank or a placeholder");
  } else fail("os", os.reason);

  decideEncryption(read("bitlocker"), set, fail);
  decideMalware(read("defender"), read("antivirusProducts"), now, set, fail);
  decideUpdates(
    read("updates"),
    read("updateAgent"),
    read("updatePolicy"),
    read("updateMdmPolicy"),
    set,
    fail,
  );
  decideFirewall(read("firewall"), read("firewallRules"), set, fail);
  decideScreenLock(read("machineInactivity"), read("userScreenSavers"), set, fail);
  decideRemovableMedia(read("usbstor"), read("removableStoragePolicy"), set, fail);
  decideAccounts(read("admins"), read("localUsers"), set, fail);

  const secureBoot = read("secureBoot");
  if (secureBoot.ok) set("platformIntegrity", { secureBoot: secureBoot.value.enabled });
  // Legacy BIOS machines cannot do Secure Boot: the script reports supported=false (PlatformNotSupportedException).
  // Should the cmdlet throw another type, its message still carries STATUS_NOT_IMPLEMENTED (0xC0000002) in every
  // display language ("Cmdlet not supported on this platform: 0xC0000002").
  else if (/0xC0000002|not supported on this platform/i.test(secureBoot.reason))
    set("platformIntegrity", { secureBoot: false });
  else fail("platformIntegrity", `Confirm-SecureBootUEFI: ${secureBoot.reason}`);

  decideTimeSync(read("timeService"), read("timeTriggers"), set, fail);

  const sshd = read("sshd");
  if (sshd.ok && sshd.value.installed === false) set("ssh", { serverInstalled: false });
  else if (sshd.ok && sshd.value.status) {
    set("ssh", { serverInstalled: true, serverRunning: sshd.value.status === "Running" });
    // Unread, not absent: an absent setting would let the DEV-SSH rules take OpenSSH's default.
    for (const key of ["ssh.permitRootLogin", "ssh.passwordAuthentication", "ssh.permitEmptyPasswords"])
      fail(key, "not collected on Windows: C:\\ProgramData\\ssh\\sshd_config is not read");
  } else fail("ssh", `Get-Service sshd: ${sshd.ok ? "no status" : sshd.reason}`);

  decidePassword(read("passwordPolicy"), set, fail);
  decideLockout(read("passwordPolicy"), set, fail);
  decideMdm(read("mdmEnrollments"), set, fail);
  const backup = windowsBackupFacts(
    {
      serverBackup: read("serverBackup"),
      fileHistory: read("fileHistory"),
      oneDrivePolicy: read("oneDrivePolicy"),
      oneDriveUsers: read("oneDriveUsers"),
      backupAgents: read("backupAgents"),
    },
    now,
  );
  if (backup.ok) set("backup", backup.value);
  else fail("backup", backup.reason);
  decideHardware(read("hardware"), set, fail);
  return { ...(identity ? { identity } : {}), result };
}

type Set = <K extends keyof DeviceFacts>(key: K, value: DeviceFacts[K]) => void;
type Fail = (key: string, reason: string) => void;

/** Manufacturer and model (Win32_ComputerSystem), serial (Win32_BIOS); SMBIOS placeholders are not values. */
function decideHardware(hw: Read<"hardware">, set: Set, fail: Fail): void {
  if (!hw.ok) {
    fail("hardware", `Get-CimInstance Win32_ComputerSystem / Win32_BIOS: ${hw.reason}`);
    return;
  }
  const hardware: NonNullable<DeviceFacts["hardware"]> = {};
  for (const field of ["manufacturer", "model", "serial"] as const) {
    const value = realHardwareValue(hw.value[field] ?? undefined);
    if (value !== undefined) hardware[field] = value;
    else
      fail(
        `hardware.${field}`,
        `the firmware reports no ${field} (Win32_${field === "serial" ? "BIOS" : "ComputerSystem"})`,
      );
  }
  if (Object.keys(hardware).length === 0)
    fail("hardware", "the firmware reports no manufacturer, model or serial number");
  else set("hardware", hardware);
}

function decideEncryption(bitlocker: Read<"bitlocker">, set: Set, fail: Fail): void {
  if (!bitlocker.ok) {
    fail("diskEncryption", `Get-BitLockerVolume: ${bitlocker.reason}`);
    return;
  }
  // Suspended protection ("Off" on an encrypted volume) leaves the key in clear on the disk: not protected.
  const protectedVolume = (v: { protectionStatus: string; volumeStatus: string }) =>
    v.protectionStatus === "On" && v.volumeStatus === "FullyEncrypted";
  const volumes = bitlocker.value.items.map((v) => ({
    mount: v.mountPoint,
    device: v.mountPoint,
    encrypted: protectedVolume(v),
    ...(protectedVolume(v) && v.encryptionMethod ? { method: `bitlocker-${v.encryptionMethod}` } : {}),
  }));
  const system = bitlocker.value.items.find((v) => v.volumeType === "OperatingSystem");
  if (!system) {
    fail("diskEncryption", "Get-BitLockerVolume listed no operating-system volume");
    return;
  }
  const encrypted = protectedVolume(system);
  set("diskEncryption", {
    systemVolumeEncrypted: encrypted,
    method: encrypted ? "bitlocker" : "none",
    volumes,
  });
}

/**
 * Security Center's productState packs the product's state in nibbles: 0x1000 set = scanning enabled,
 * 0x0010 set = signatures out of date.
 */
export function decodeProductState(state: number): { enabled: boolean; upToDate: boolean } {
  return { enabled: ((state >> 12) & 0xf) === 1, upToDate: ((state >> 4) & 0xf) === 0 };
}

function decideMalware(
  defender: Read<"defender">,
  products: Read<"antivirusProducts">,
  now: Date,
  set: Set,
  fail: Fail,
): void {
  const third = products.ok
    ? products.value.items.filter((p) => !/Windows Defender|Microsoft Defender/i.test(p.name))
    : [];
  const activeThird = third.find((p) => decodeProductState(p.productState).enabled);
  // Defender steps back to passive mode when another antivirus is registered and active: report that one.
  if (activeThird && (!defender.ok || /passive/i.test(defender.value.amRunningMode ?? ""))) {
    set("malware", { installed: true, running: true, product: activeThird.name, realTimeProtection: true });
    return;
  }
  if (!defender.ok) {
    if (third.length) {
      set("malware", { installed: true, running: false, product: third[0]?.name });
      return;
    }
    fail("malware", `Get-MpComputerStatus: ${defender.reason}`);
    return;
  }
  const d = defender.value;
  const updated = d.antivirusSignatureLastUpdated ? Date.parse(d.antivirusSignatureLastUpdated) : Number.NaN;
  // In passive mode ("Passive Mode", "SxS Passive Mode", "EDR Block Mode") or "Not running", Defender still
  // reports every protection toggle as on, but it is not the antivirus protecting the machine; with no other
  // active product registered, nothing is.
  const standing = /passive|not running|EDR Block/i.test(d.amRunningMode ?? "");
  set("malware", {
    installed: true,
    running: !standing && d.amServiceEnabled === true && d.antivirusEnabled === true,
    product: standing ? `Microsoft Defender Antivirus (${d.amRunningMode})` : "Microsoft Defender Antivirus",
    ...(Number.isFinite(updated)
      ? { signatureAgeHours: Math.max(0, Math.round(((now.getTime() - updated) / 3_600_000) * 10) / 10) }
      : {}),
    realTimeProtection: !standing && d.realTimeProtectionEnabled === true,
  });
}

/**
 * Whether updates install without a person: the Windows Update service must not be disabled; an MDM
 * (Intune) AllowAutoUpdate of 0 (notify) or 5 (off) turns them off; group policy NoAutoUpdate=1 does too,
 * and AUOptions other than 4 (auto download and schedule the install) leaves installing to a person.
 * With no policy at all `automatic` is left absent: Windows Update's own default then applies, which
 * DEV-PATCH-002 states (Policy CSP Update/AllowAutoUpdate), not this function.
 */
export function decideAutomaticUpdates(
  startType: string | undefined,
  gpo: { NoAutoUpdate?: number; AUOptions?: number },
  mdmAllowAutoUpdate: number | undefined,
): { automatic?: boolean; mechanism: string } {
  if (startType === "Disabled") return { automatic: false, mechanism: "wuauserv service disabled" };
  if (gpo.NoAutoUpdate === 1) return { automatic: false, mechanism: "policy NoAutoUpdate=1" };
  if (mdmAllowAutoUpdate !== undefined) {
    return {
      automatic: mdmAllowAutoUpdate >= 1 && mdmAllowAutoUpdate <= 4,
      mechanism: `MDM Update/AllowAutoUpdate=${mdmAllowAutoUpdate}`,
    };
  }
  if (gpo.AUOptions !== undefined)
    return { automatic: gpo.AUOptions === 4, mechanism: `policy AUOptions=${gpo.AUOptions}` };
  return { mechanism: "no update policy (Windows Update's default)" };
}

function decideUpdates(
  updates: Read<"updates">,
  agent: Read<"updateAgent">,
  policy: Read<"updatePolicy">,
  mdm: Read<"updateMdmPolicy">,
  set: Set,
  fail: Fail,
): void {
  if (!updates.ok) {
    fail("updates", `Windows Update search: ${updates.reason}`);
    return;
  }
  if (!policy.ok) {
    fail("updates", `update policy: ${policy.reason}`);
    return;
  }
  const isSecurity = (u: { msrcSeverity?: string | null; categories: string[] }) =>
    !!u.msrcSeverity || u.categories.some((c) => c === "Security Updates" || c === "Critical Updates");
  const startType = agent.ok ? (agent.value.serviceStartType ?? undefined) : undefined;
  const decision = decideAutomaticUpdates(
    startType,
    { NoAutoUpdate: toNumber(policy.value.NoAutoUpdate), AUOptions: toNumber(policy.value.AUOptions) },
    mdm.ok ? toNumber(mdm.value.AllowAutoUpdate) : undefined,
  );
  // "Automatic" needs the service not disabled: with its start type unread, only a policy that turns updates
  // off is a verdict; anything else is unread.
  const automaticUnread = decision.automatic !== false && startType === undefined;
  set("updates", {
    manager: "windows-update",
    pending: updates.value.items.length,
    pendingSecurity: updates.value.items.filter(isSecurity).length,
    securityUpdates: updates.value.items.filter(isSecurity).map((u) => u.title),
    ...(decision.automatic !== undefined && !automaticUnread ? { automatic: decision.automatic } : {}),
    automaticMechanism: decision.mechanism,
    ...(agent.ok && typeof agent.value.rebootRequired === "boolean"
      ? { rebootRequired: agent.value.rebootRequired }
      : {}),
    ...(agent.ok && agent.value.lastSearchSuccessDate
      ? { lastRefreshedAt: new Date(agent.value.lastSearchSuccessDate).toISOString() }
      : {}),
  });
  if (!agent.ok) fail("updates.rebootRequired", `Microsoft.Update.SystemInfo: ${agent.reason}`);
  if (automaticUnread)
    fail(
      "updates.automatic",
      `wuauserv start type: ${agent.ok ? "not reported" : agent.reason}, so whether Windows Update may run is unknown`,
    );
}

function decideFirewall(
  profiles: Read<"firewall">,
  rules: Read<"firewallRules">,
  set: Set,
  fail: Fail,
): void {
  if (!profiles.ok) {
    fail("firewall", `Get-NetFirewallProfile -PolicyStore ActiveStore: ${profiles.reason}`);
    return;
  }
  // The script reads the ActiveStore (effective policy), where every profile is True or False; anything else
  // (NotConfigured is what the local store says under Group Policy) is not a state to guess from.
  const odd = profiles.value.items.find((p) => p.enabled !== "True" && p.enabled !== "False");
  if (odd || profiles.value.items.length === 0) {
    fail(
      "firewall",
      odd
        ? `Get-NetFirewallProfile -PolicyStore ActiveStore: profile ${odd.name} Enabled=${odd.enabled}`
        : "Get-NetFirewallProfile -PolicyStore ActiveStore listed no profile",
    );
    return;
  }
  const byName = Object.fromEntries(profiles.value.items.map((p) => [p.name, p.enabled === "True"]));
  const enabled = profiles.value.items.every((p) => p.enabled === "True");
  // A profile whose DefaultInboundAction is NotConfigured sets nothing: then the policy is left absent and
  // DEV-FW-001/002 state Windows' documented default (Block). Any profile that allows decides "allow".
  const actions = profiles.value.items.map((p) => p.defaultInboundAction);
  const inbound = actions.includes("Allow")
    ? "allow"
    : actions.every((a) => a === "Block")
      ? "deny"
      : undefined;
  set("firewall", {
    enabled,
    backend: "windows",
    // An unread rule list is unread (firewall.ruleCount below), never 0.
    ...(rules.ok ? { ruleCount: rules.value.count } : {}),
    ...(inbound ? { defaultInboundPolicy: inbound } : {}),
    profiles: byName,
  });
  if (!rules.ok) fail("firewall.ruleCount", rules.reason);
}

function decideScreenLock(
  machine: Read<"machineInactivity">,
  users: Read<"userScreenSavers">,
  set: Set,
  fail: Fail,
): void {
  // "Interactive logon: Machine inactivity limit" locks every session after the limit, whatever the user sets.
  const limit = machine.ok ? toNumber(machine.value.InactivityTimeoutSecs) : undefined;
  if (limit !== undefined && limit > 0) {
    set("screenLock", { enabled: true, idleSeconds: limit, requirePassword: true });
    return;
  }
  if (!users.ok) {
    fail("screenLock", `user screen-saver settings: ${users.reason}`);
    return;
  }
  if (users.value.items.length === 0) {
    fail("screenLock", "no user is logged on and no machine inactivity limit (InactivityTimeoutSecs) is set");
    return;
  }
  // Group policy wins over the user's own choice; the weakest logged-on user decides the device's posture.
  // A screen saver runs only when one is chosen: Microsoft's "Enable screen saver" policy runs it "provided ... a
  // valid screen saver on the client is specified through the 'Force specific screen saver' setting or through
  // Control Panel" (SCRNSAVE.EXE, policy or user; "(None)" in Control Panel removes the value), and the timeout
  // is nonzero.
  const perUser = users.value.items.map((u) => {
    const pick = (key: "ScreenSaveActive" | "ScreenSaverIsSecure" | "ScreenSaveTimeOut") =>
      toNumber(u.policy[key] ?? u.user[key]);
    const active = pick("ScreenSaveActive") === 1;
    const secure = pick("ScreenSaverIsSecure") === 1;
    const timeout = pick("ScreenSaveTimeOut") ?? 0;
    const saver = String(u.policy["SCRNSAVE.EXE"] ?? u.user["SCRNSAVE.EXE"] ?? "").trim();
    return { locks: active && secure && timeout > 0 && saver !== "", secure, timeout };
  });
  const all = perUser.every((u) => u.locks);
  set("screenLock", {
    enabled: all,
    ...(all ? { idleSeconds: Math.max(...perUser.map((u) => u.timeout)) } : {}),
    requirePassword: perUser.every((u) => u.secure),
  });
}

function decideRemovableMedia(
  usbstor: Read<"usbstor">,
  policy: Read<"removableStoragePolicy">,
  set: Set,
  fail: Fail,
): void {
  if (policy.ok && toNumber(policy.value.Deny_All) === 1) {
    set("removableMedia", {
      usbStorageBlocked: true,
      mechanism: "policy RemovableStorageDevices\\Deny_All=1",
    });
    return;
  }
  if (!usbstor.ok) {
    fail("removableMedia", `USBSTOR service key: ${usbstor.reason}`);
    return;
  }
  const start = toNumber(usbstor.value.Start);
  // Start=4 disables the USB mass-storage driver; 3 (the default) loads it on demand.
  if (start === 4) {
    set("removableMedia", { usbStorageBlocked: true, mechanism: "USBSTOR Start=4" });
    return;
  }
  set("removableMedia", { usbStorageBlocked: false });
}

function decideAccounts(admins: Read<"admins">, users: Read<"localUsers">, set: Set, fail: Fail): void {
  if (!admins.ok && !users.ok) {
    fail("accounts", `Get-LocalGroupMember: ${admins.reason}; Get-LocalUser: ${users.reason}`);
    return;
  }
  set("accounts", {
    // Windows has no UID 0: no account can hold root's identity under another name.
    extraUidZeroUsers: [],
    // Enabled local accounts allowed to have a blank password (PasswordRequired = False).
    ...(users.ok
      ? {
          emptyPasswordUsers: users.value.items
            .filter((u) => u.enabled && !u.passwordRequired)
            .map((u) => u.name),
        }
      : {}),
    ...(admins.ok ? { localAdmins: admins.value.items } : {}),
  });
  if (!users.ok) fail("accounts.emptyPasswordUsers", `Get-LocalUser: ${users.reason}`);
  if (!admins.ok) fail("accounts.localAdmins", `Get-LocalGroupMember: ${admins.reason}`);
}

/**
 * Whether W32Time keeps the clock synchronised. Running: yes. On most clients the service is "Manual
 * (Trigger Start)": it is Stopped between synchronisations and started by a trigger (network, domain join)
 * or the SynchronizeTime scheduled task, so Stopped alone is not "no time sync". Disabled, or Parameters\Type
 * NoSync, is. When the service is stopped and the triggers cannot be read, the answer is unknown.
 */
export function decideTimeSync(
  service: Read<"timeService">,
  triggers: Read<"timeTriggers">,
  set: Set,
  fail: Fail,
): void {
  if (!service.ok) {
    fail("timeSync", `Get-Service W32Time: ${service.reason}`);
    return;
  }
  const { status, startType } = service.value;
  const t = triggers.ok ? triggers.value : undefined;
  if (t?.ntpType && /^NoSync$/i.test(t.ntpType)) {
    set("timeSync", { active: false, service: "w32time (Parameters\\Type=NoSync)" });
    return;
  }
  if (status === "Running") {
    set("timeSync", { active: true, service: "w32time" });
    return;
  }
  if (startType === "Disabled") {
    set("timeSync", { active: false, service: "w32time (disabled)" });
    return;
  }
  if (!t) {
    fail(
      "timeSync",
      `W32Time is ${status}; its start triggers could not be read: ${triggers.ok ? "" : triggers.reason}`,
    );
    return;
  }
  const task = t.syncTaskState && t.syncTaskState !== "Disabled" ? t.syncTaskState : undefined;
  if (t.startTriggers > 0 || task)
    set("timeSync", {
      active: true,
      service: t.startTriggers > 0 ? "w32time (trigger-start)" : "w32time (SynchronizeTime task)",
    });
  else set("timeSync", { active: false, service: "w32time" });
}

/**
 * Local password policy from `secedit /export`. MaximumPasswordAge -1 means passwords never expire, written as
 * 99999 days like Linux's PASS_MAX_DAYS convention. PasswordComplexity 1 requires three of the four character
 * classes (upper, lower, digit, symbol).
 */
function decidePassword(policy: Read<"passwordPolicy">, set: Set, fail: Fail): void {
  if (!policy.ok) {
    fail("password", `secedit /export: ${policy.reason}`);
    return;
  }
  const p = policy.value;
  if (p.MinimumPasswordLength == null && p.PasswordComplexity == null) {
    fail("password", "secedit /export printed no password policy");
    return;
  }
  const complex = p.PasswordComplexity === 1;
  set("password", {
    ...(p.MaximumPasswordAge != null
      ? { maxAgeDays: p.MaximumPasswordAge < 0 ? 99999 : p.MaximumPasswordAge }
      : {}),
    ...(p.MinimumPasswordAge != null ? { minAgeDays: p.MinimumPasswordAge } : {}),
    ...(p.MinimumPasswordLength != null ? { minLength: p.MinimumPasswordLength } : {}),
    minClasses: complex ? 3 : 1,
    qualityModule: complex ? "windows-password-complexity" : "none",
  });
}

/**
 * Account lockout from the same `secedit /export` ([System Access] keys, never translated): LockoutBadCount 0
 * means accounts never lock (secedit then omits the other two); ResetLockoutCount and LockoutDuration are in
 * minutes, and a LockoutDuration of -1 keeps the account locked until an administrator unlocks it.
 */
function decideLockout(policy: Read<"passwordPolicy">, set: Set, fail: Fail): void {
  if (!policy.ok) {
    fail("lockout", `secedit /export: ${policy.reason}`);
    return;
  }
  const p = policy.value;
  if (p.LockoutBadCount == null) {
    fail("lockout", "secedit /export printed no LockoutBadCount");
    return;
  }
  if (p.LockoutBadCount <= 0) {
    set("lockout", { maxAttempts: 0, mechanism: "windows-account-lockout" });
    return;
  }
  set("lockout", {
    maxAttempts: p.LockoutBadCount,
    ...(p.ResetLockoutCount != null && p.ResetLockoutCount >= 0
      ? { windowSeconds: p.ResetLockoutCount * 60 }
      : {}),
    ...(p.LockoutDuration != null
      ? { unlockSeconds: p.LockoutDuration < 0 ? 0 : p.LockoutDuration * 60 }
      : {}),
    mechanism: "windows-account-lockout",
  });
}

/** The MDM bridge's local provider (Fleet's note: `mdm_bridge` registers it) is not a management service. */
const NOT_MDM_PROVIDERS = new Set(["Local_Management"]);

/**
 * Enrolled when an enrolment of a management service is in EnrollmentState 1 ("enrolled" in Intune's
 * enrollmentState enumeration); an entry without a state counts only with a discovery URL, the trace a
 * completed MDM enrolment leaves. Stale entries of an earlier enrolment (another state) do not count.
 */
function decideMdm(enrollments: Read<"mdmEnrollments">, set: Set, fail: Fail): void {
  if (!enrollments.ok) {
    fail("mdm", `HKLM\\SOFTWARE\\Microsoft\\Enrollments: ${enrollments.reason}`);
    return;
  }
  const active = enrollments.value.items.find(
    (e) =>
      !NOT_MDM_PROVIDERS.has(e.providerId) &&
      (toNumber(e.enrollmentState) === 1 || (e.enrollmentState == null && !!e.discoveryUrl)),
  );
  if (!active) {
    set("mdm", { enrolled: false });
    return;
  }
  let host: string | undefined;
  try {
    host = active.discoveryUrl ? new URL(active.discoveryUrl).host : undefined;
  } catch {
    host = undefined;
  }
  set("mdm", { enrolled: true, provider: host ? `${active.providerId} (${host})` : active.providerId });
}
