/**
 * Pure parsers for the macOS tools the device collector runs. Each takes the tool's text output exactly as
 * recorded (test/fixtures/device/darwin) and returns plain values, or undefined when the text is not what
 * the tool prints, so a changed format becomes `unreadable`, never a wrong fact.
 */

/** `sw_vers`: ProductName / ProductVersion / BuildVersion. */
export function parseSwVers(
  text: string,
): { productName: string; productVersion: string; buildVersion: string } | undefined {
  const get = (key: string) => new RegExp(`^${key}:\\s*(.+)$`, "m").exec(text)?.[1]?.trim();
  const productName = get("ProductName");
  const productVersion = get("ProductVersion");
  const buildVersion = get("BuildVersion");
  if (!productName || !productVersion || !buildVersion) return undefined;
  return { productName, productVersion, buildVersion };
}

const MACOS_NAMES: Record<string, string> = {
  "11": "Big Sur",
  "12": "Monterey",
  "13": "Ventura",
  "14": "Sonoma",
  "15": "Sequoia",
  "26": "Tahoe",
};

export function macosCodename(version: string): string | undefined {
  return MACOS_NAMES[version.split(".")[0] ?? ""];
}

/** `ioreg -rd1 -c IOPlatformExpertDevice`: the "IOPlatformUUID" = "…" line. */
export function parseIoregPlatformUuid(text: string): string | undefined {
  return /"IOPlatformUUID"\s*=\s*"([0-9A-Fa-f-]{36})"/.exec(text)?.[1]?.toLowerCase();
}

export type FileVaultState = "on" | "off" | "encrypting" | "decrypting";

/** `fdesetup status`: "FileVault is On." / "FileVault is Off." / "Encryption in progress: …" / "Decryption in progress: …". */
export function parseFdesetupStatus(text: string): FileVaultState | undefined {
  if (/Encryption in progress/i.test(text)) return "encrypting";
  if (/Decryption in progress/i.test(text)) return "decrypting";
  const m = /FileVault is (On|Off)\./i.exec(text);
  if (!m?.[1]) return undefined;
  return m[1].toLowerCase() === "on" ? "on" : "off";
}

/** `diskutil info /` (text): device identifier, mount point and the FileVault line. */
export function parseDiskutilInfo(
  text: string,
): { device: string; mount: string; fileVault?: boolean } | undefined {
  const get = (key: string) => new RegExp(`^\\s*${key}:\\s*(.+)$`, "m").exec(text)?.[1]?.trim();
  const device = get("Device Identifier");
  const mount = get("Mount Point");
  if (!device || !mount) return undefined;
  const fv = get("FileVault");
  return { device, mount, ...(fv ? { fileVault: /^Yes/i.test(fv) } : {}) };
}

/**
 * `socketfilterfw --getglobalstate`: "Firewall is enabled. (State = 1)", "Firewall is blocking all
 * non-essential incoming connections. (State = 2)", "Firewall is disabled. (State = 0)".
 */
export function parseAlfGlobalState(text: string): boolean | undefined {
  const state = /\(State = (\d)\)/.exec(text)?.[1];
  if (state !== undefined) return state !== "0";
  if (/Firewall is enabled/i.test(text)) return true;
  if (/Firewall is disabled/i.test(text)) return false;
  return undefined;
}

/** `socketfilterfw --listapps`: "ALF: total number of apps = 3". */
export function parseAlfAppCount(text: string): number | undefined {
  const n = /total number of apps = (\d+)/i.exec(text)?.[1];
  return n === undefined ? undefined : Number(n);
}

export interface SoftwareUpdateItem {
  label: string;
  title: string;
  version?: string;
  recommended: boolean;
  restart: boolean;
}

/**
 * `softwareupdate -l` (macOS 10.15+): "* Label: <label>" followed by a tab-indented
 * "Title: …, Version: …, Size: …KiB, Recommended: YES, Action: restart," line. "No new software available."
 * means nothing is pending. Returns undefined when the listing did not complete (no network, no catalogue).
 */
export function parseSoftwareUpdateList(stdout: string, stderr = ""): SoftwareUpdateItem[] | undefined {
  const all = `${stdout}\n${stderr}`;
  if (/No new software available/i.test(all)) return [];
  if (!/Software Update found the following/i.test(all)) return undefined;
  const items: SoftwareUpdateItem[] = [];
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i += 1) {
    const label = /^\s*\*\s*Label:\s*(.+?)\s*$/.exec(lines[i] ?? "")?.[1];
    if (!label) continue;
    const detail = lines[i + 1] ?? "";
    const field = (name: string) => new RegExp(`${name}:\\s*([^,]+)`).exec(detail)?.[1]?.trim();
    items.push({
      label,
      title: field("Title") ?? label,
      ...(field("Version") ? { version: field("Version") } : {}),
      recommended: /^YES$/i.test(field("Recommended") ?? ""),
      restart: /^restart$/i.test(field("Action") ?? ""),
    });
  }
  return items;
}

/**
 * Which pending items are security updates: macOS point releases carry Apple's security content, and
 * Rapid/Background Security Responses and XProtect data updates are security-only.
 */
export function isSecurityUpdate(item: SoftwareUpdateItem): boolean {
  return /^macOS\b/i.test(item.title) || /security|xprotect|MRT/i.test(`${item.title} ${item.label}`);
}

/** `softwareupdate --schedule`: "Automatic checking for updates is turned on/off." */
export function parseSoftwareUpdateSchedule(text: string): boolean | undefined {
  const m = /Automatic check(?:ing)? (?:for updates )?is turned (on|off)/i.exec(text);
  return m?.[1] ? m[1].toLowerCase() === "on" : undefined;
}

/** `defaults read <domain> <key>` of a number or boolean: "1", "0", "600". Absent keys fail the command. */
export function parseDefaultsNumber(text: string): number | undefined {
  const t = text.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}

/** `defaults read … LastSuccessfulDate`: "2024-05-20 08:12:33 +0000" → ISO 8601. */
export function parseDefaultsDate(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const date = new Date(`${m[1]}T${m[2]}${m[3]}:${m[4]}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * `sysadminctl -screenLock status` (printed on stderr with a timestamp prefix): "screenLock delay is
 * immediate", "screenLock delay is 300 seconds", "screenLock is off".
 */
export function parseSysadminctlScreenLock(
  text: string,
): { requirePassword: boolean; delaySeconds?: number } | undefined {
  if (/screenLock is off/i.test(text)) return { requirePassword: false };
  if (/screenLock delay is immediate/i.test(text)) return { requirePassword: true, delaySeconds: 0 };
  const n = /screenLock delay is (\d+) seconds?/i.exec(text)?.[1];
  return n === undefined ? undefined : { requirePassword: true, delaySeconds: Number(n) };
}

/** `csrutil status`: "System Integrity Protection status: enabled." (a custom configuration is not fully on). */
export function parseCsrutilStatus(text: string): boolean | undefined {
  const m = /System Integrity Protection status:\s*(enabled|disabled|unknown)/i.exec(text);
  if (!m?.[1]) return undefined;
  if (m[1].toLowerCase() !== "enabled") return false;
  return !/Custom Configuration/i.test(text);
}

/** `spctl --status`: "assessments enabled" / "assessments disabled". */
export function parseSpctlStatus(text: string): boolean | undefined {
  const m = /assessments (enabled|disabled)/i.exec(text);
  return m?.[1] ? m[1].toLowerCase() === "enabled" : undefined;
}

/**
 * `tmutil latestbackup`: the newest backup's path, ending in its local time stamp (HFS+:
 * …/Backups.backupdb/Mac/2024-05-20-081233; APFS: …/2024-05-20-081233.backup). Local time is the
 * machine's own, which is where this parser runs.
 */
export function parseTmutilLatestBackup(text: string): Date | undefined {
  const stamps = [...text.matchAll(/(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})/g)];
  const m = stamps.at(-1);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s);
}

/** `tmutil destinationinfo`: "No destinations configured." or a list of "Name : …" blocks. */
export function parseTmutilDestinations(text: string): number | undefined {
  if (/No destinations configured/i.test(text)) return 0;
  const names = text.match(/^Name\s*:/gm);
  return names ? names.length : undefined;
}

/** `dscl . -read /Groups/admin GroupMembership`: "GroupMembership: root alice". */
export function parseDsclGroupMembership(text: string): string[] | undefined {
  const m = /^GroupMembership:\s*(.*)$/m.exec(text);
  if (!m) return /No such key: GroupMembership/i.test(text) ? [] : undefined;
  return (m[1] ?? "").split(/\s+/).filter(Boolean);
}

/** `dscl . -list /Users UniqueID`: "name   uid" per line → accounts other than root with UID 0. */
export function parseDsclUidZero(text: string): string[] | undefined {
  const rows = text
    .split("\n")
    .map((l) => /^(\S+)\s+(-?\d+)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  if (rows.length === 0) return undefined;
  return rows.filter((m) => m[2] === "0" && m[1] !== "root").map((m) => m[1] ?? "");
}

/**
 * `defaults read "/Library/Managed Preferences/com.apple.systemuiserver" mount-controls`: the old-style plist
 * printed by defaults, e.g. `{ harddisk-external = ( deny ); }`. External disks are blocked when the
 * action list for harddisk-external says deny or eject.
 */
export function parseMountControls(text: string): { blocked: boolean; actions: string[] } | undefined {
  const m = /"?harddisk-external"?\s*=\s*\(([^)]*)\)/.exec(text);
  if (!m) return /\{/.test(text) ? { blocked: false, actions: [] } : undefined;
  const actions = (m[1] ?? "")
    .split(",")
    .map((a) => a.trim().replace(/^"|"$/g, ""))
    .filter(Boolean);
  return { blocked: actions.some((a) => a === "deny" || a === "eject"), actions };
}

/** `systemsetup -getusingnetworktime` → "Network Time: On"; `systemsetup -getremotelogin` → "Remote Login: On". */
export function parseSystemsetupOnOff(text: string, label: string): boolean | undefined {
  const m = new RegExp(`${label}:\\s*(On|Off)`, "i").exec(text);
  return m?.[1] ? m[1].toLowerCase() === "on" : undefined;
}

/** `stat -f %Su /dev/console`: the user at the screen, or "root" at the login window. */
export function parseConsoleUser(text: string): string | undefined {
  const user = text.trim();
  if (!user || user === "root" || user === "loginwindow" || /\s/.test(user)) return undefined;
  return user;
}

export interface MacPasswordPolicy {
  maxAgeDays?: number;
  minLength?: number;
  minClasses?: number;
  /** Whether any password-content policy is set at all. */
  contentPolicies: number;
}

/**
 * `pwpolicy -getaccountpolicies`: a "Getting global account policies" line, then an XML plist of policy
 * categories. Reads the expiry (policyAttributeExpiresEveryNDays, or policyAttributeDaysUntilExpiration from
 * profiles), the longest minimumLength, and the character classes required by the requiresAlpha/Numeric/
 * Symbol/MixedCase policies. A machine without account policies prints no plist dictionary of policies.
 */
export function parsePwpolicyAccountPolicies(text: string): MacPasswordPolicy | undefined {
  if (!/<plist/.test(text))
    return /No global policies|no policies/i.test(text) ? { contentPolicies: 0 } : undefined;
  const ints = (key: string) =>
    [...text.matchAll(new RegExp(`<key>${key}</key>\\s*<integer>(\\d+)</integer>`, "g"))].map((m) =>
      Number(m[1]),
    );
  const maxAge = [...ints("policyAttributeExpiresEveryNDays"), ...ints("policyAttributeDaysUntilExpiration")];
  const minLength = ints("minimumLength");
  const content =
    /<key>policyCategoryPasswordContent<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text)?.[1] ?? "";
  const identifiers = [...content.matchAll(/<key>policyIdentifier<\/key>\s*<string>([^<]+)<\/string>/g)].map(
    (m) => m[1] ?? "",
  );
  const has = (name: string) => identifiers.some((id) => id.toLowerCase().endsWith(name.toLowerCase()));
  const mixed = has("requiresMixedCase");
  const classes =
    (has("requiresAlpha") || mixed ? 1 : 0) +
    (mixed ? 1 : 0) +
    (has("requiresNumeric") ? 1 : 0) +
    (has("requiresSymbol") ? 1 : 0);
  return {
    ...(maxAge.length ? { maxAgeDays: Math.min(...maxAge) } : {}),
    ...(minLength.length ? { minLength: Math.max(...minLength) } : {}),
    ...(classes > 0 ? { minClasses: classes } : {}),
    contentPolicies: identifiers.length,
  };
}
