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

export type FileVaultState = "on" | "off" | "encrypting" | "decrypting" | "deferred";

/**
 * `fdesetup status`: "FileVault is On." / "FileVault is Off." / "Encryption in progress: …" / "Decryption in
 * progress: …", and "FileVault is Off, but will be enabled after the next restart." (deferred enablement:
 * nothing is encrypted yet). Other "On, …"/"Off, …" qualifications are not guessed at.
 */
export function parseFdesetupStatus(text: string): FileVaultState | undefined {
  if (/Encryption in progress/i.test(text)) return "encrypting";
  if (/Decryption in progress/i.test(text)) return "decrypting";
  if (/FileVault is Off, but will be enabled after the next restart/i.test(text)) return "deferred";
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

export type SoftwareUpdateList = { ok: true; items: SoftwareUpdateItem[] } | { ok: false; reason: string };

/** Catalina (10.15) and later: "* Label: <label>" then "\tTitle: …, Version: …, Size: …KiB, Recommended: YES, Action: restart,". */
function parseLabelItem(label: string, detail: string): SoftwareUpdateItem | undefined {
  if (!/^\s*Title:/.test(detail)) return undefined;
  const field = (name: string) => new RegExp(`\\b${name}:\\s*([^,]+)`).exec(detail)?.[1]?.trim();
  const version = field("Version");
  return {
    label,
    title: field("Title") ?? label,
    ...(version ? { version } : {}),
    recommended: /^YES$/i.test(field("Recommended") ?? ""),
    restart: /^restart$/i.test(field("Action") ?? ""),
  };
}

/** Mojave (10.14) and older: "   * <label>" then "\t<title> (<version>), <size>K [recommended] [restart]". */
function parseLegacyItem(label: string, detail: string): SoftwareUpdateItem | undefined {
  const m = /^\s+(.+?) \(([^)]*)\), \d+K(.*)$/.exec(detail);
  if (!m?.[1]) return undefined;
  const version = m[2]?.trim();
  return {
    label,
    title: m[1].trim(),
    ...(version ? { version } : {}),
    recommended: /\[recommended\]/i.test(m[3] ?? ""),
    restart: /\[restart\]/i.test(m[3] ?? ""),
  };
}

/**
 * `softwareupdate -l`. "No new software available." means nothing is pending. After "Software Update found the
 * following new or updated software:" every "*" line is one update, followed by its detail line (both the
 * Catalina-and-later "Label:/Title:" format and the Mojave-and-older "title (version), sizeK [restart]" format
 * are read). A listing that announces updates but whose items cannot all be read is a failure, never "nothing
 * pending"; so is a listing that did not complete (no network, no catalogue).
 */
export function parseSoftwareUpdateList(stdout: string, stderr = ""): SoftwareUpdateList {
  const all = `${stdout}\n${stderr}`;
  if (/No new software available/i.test(all)) return { ok: true, items: [] };
  // The header goes to stdout on the releases recorded; should it go to stderr, the items are still on stdout.
  const found = /Software Update found the following/i.exec(stdout);
  if (!found && !/Software Update found the following/i.test(stderr))
    return {
      ok: false,
      reason:
        firstMeaningfulLine(stderr) ?? 'no "found the following" header and no "No new software available"',
    };
  const lines = found ? stdout.slice(found.index).split("\n").slice(1) : stdout.split("\n");
  const items: SoftwareUpdateItem[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const bullet = /^\s*\*\s*(.+?)\s*$/.exec(lines[i] ?? "")?.[1];
    if (!bullet) continue;
    const detail = lines[i + 1] ?? "";
    const labelled = /^Label:\s*(.+)$/.exec(bullet)?.[1];
    const item = labelled ? parseLabelItem(labelled, detail) : parseLegacyItem(bullet, detail);
    if (!item) return { ok: false, reason: `unreadable update entry: "${bullet}" / "${detail.trim()}"` };
    items.push(item);
  }
  if (items.length === 0)
    return { ok: false, reason: "announced new software but listed no item in a known format" };
  return { ok: true, items };
}

function firstMeaningfulLine(text: string): string | undefined {
  return text
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim();
}

/**
 * A macOS version as one comparable number: 11 and later by the major version, 10.x by its minor version
 * (10.14 → 10.14, 10.15 → 10.15), since before Big Sur the second number named the release.
 */
function macosRelease(version: string | undefined): number | undefined {
  const [major, minor] = (version ?? "")
    .trim()
    .split(".")
    .map((p) => Number.parseInt(p, 10));
  if (major === undefined || !Number.isInteger(major) || major <= 0) return undefined;
  return major === 10 && minor !== undefined && Number.isInteger(minor) ? 10 + minor / 100 : major;
}

/** The release an offered macOS item installs, from its Version field or the title's trailing number. */
function offeredRelease(item: SoftwareUpdateItem): number | undefined {
  if (!/^macOS\b/i.test(item.title)) return undefined;
  return macosRelease(item.version ?? /(\d+(?:\.\d+)+)\s*$/.exec(item.title)?.[1]);
}

export function isMajorUpgrade(item: SoftwareUpdateItem, runningVersion: string): boolean {
  const offered = offeredRelease(item);
  const running = macosRelease(runningVersion);
  return offered !== undefined && running !== undefined && offered > running;
}

/**
 * Which pending items are security updates: macOS point releases of the running major version carry Apple's
 * security content, and Rapid/Background Security Responses and XProtect data updates are security-only.
 * Major upgrades are not (isMajorUpgrade).
 */
export function isSecurityUpdate(item: SoftwareUpdateItem, runningVersion: string): boolean {
  if (isMajorUpgrade(item, runningVersion)) return false;
  return /^macOS\b/i.test(item.title) || /security|xprotect|MRT/i.test(`${item.title} ${item.label}`);
}

/**
 * `softwareupdate --schedule`: "Automatic checking for updates is turned on/off." and, on older releases,
 * "Automatic check is on/off".
 */
export function parseSoftwareUpdateSchedule(text: string): boolean | undefined {
  const m = /Automatic check(?:ing)?(?: for updates)? is (?:turned )?(on|off)\b/i.exec(text);
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
 * immediate", "screenLock is off", and a delay in seconds, printed as an integer on some releases
 * ("300 seconds") and as a float on others ("300.000000 seconds"); a negative delay ("-1.000000 seconds")
 * means the password is never asked.
 */
export function parseSysadminctlScreenLock(
  text: string,
): { requirePassword: boolean; delaySeconds?: number } | undefined {
  if (/screenLock is off/i.test(text)) return { requirePassword: false };
  if (/screenLock delay is immediate/i.test(text)) return { requirePassword: true, delaySeconds: 0 };
  const n = /screenLock delay is (-?\d+(?:\.\d+)?) seconds?/i.exec(text)?.[1];
  if (n === undefined) return undefined;
  const seconds = Number(n);
  if (!Number.isFinite(seconds)) return undefined;
  return seconds < 0
    ? { requirePassword: false }
    : { requirePassword: true, delaySeconds: Math.round(seconds) };
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
  /** How many password-content policies an administrator or MDM set (Apple's built-in defaults not counted). */
  contentPolicies: number;
}

/**
 * Apple's built-in content policy on every Mac (`com.apple.defaultpasswordpolicy.fde`, "four characters or
 * more"): it keeps FileVault unlock passwords from being trivially short, it checks nothing else.
 */
const APPLE_DEFAULT_POLICY = /^com\.apple\.defaultpasswordpolicy\./i;

/**
 * A content policy whose regex is only a length bound — "policyAttributePassword matches '.{6,}+'" (what
 * an MDM passcode payload's minLength becomes, with no minimumLength parameter), '.{7,}', '^.{12,}$'.
 */
function lengthFromContent(content: string): number | undefined {
  const n = /matches\s+'\^?\.\{(\d+),\}\+?\$?'/.exec(content)?.[1];
  return n === undefined ? undefined : Number(n);
}

/**
 * `pwpolicy -getaccountpolicies`: a "Getting global account policies" line, then an XML plist of policy
 * categories. Reads the expiry (policyAttributeExpiresEveryNDays, or policyAttributeDaysUntilExpiration from
 * profiles), the longest minimum length (a minimumLength parameter or a length-only content regex), and the
 * character classes required by the requiresAlpha/Numeric/Symbol/MixedCase (and MDM requireAlphanumeric)
 * policies. Apple's built-in default policy counts for the length it enforces but not as a strength policy.
 * A machine without account policies prints no plist dictionary of policies.
 */
export function parsePwpolicyAccountPolicies(text: string): MacPasswordPolicy | undefined {
  if (!/<plist/.test(text))
    return /No global policies|no policies|No global account policies/i.test(text)
      ? { contentPolicies: 0 }
      : undefined;
  const ints = (source: string, key: string) =>
    [...source.matchAll(new RegExp(`<key>${key}</key>\\s*<integer>(\\d+)</integer>`, "g"))].map((m) =>
      Number(m[1]),
    );
  const maxAge = [
    ...ints(text, "policyAttributeExpiresEveryNDays"),
    ...ints(text, "policyAttributeDaysUntilExpiration"),
  ];
  const content =
    /<key>policyCategoryPasswordContent<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text)?.[1] ?? "";
  // Keys of each policy dictionary print in order (policyContent, …Description, policyIdentifier,
  // policyParameters): each chunk from one policyContent to the next is one policy.
  const policies = content
    .split("<key>policyContent</key>")
    .slice(1)
    .map((chunk) => ({
      content: /^\s*<string>([^<]*)<\/string>/.exec(chunk)?.[1] ?? "",
      identifier: /<key>policyIdentifier<\/key>\s*<string>([^<]+)<\/string>/.exec(chunk)?.[1] ?? "",
      minimumLength: ints(chunk, "minimumLength"),
    }));
  const lengths = policies.flatMap((p) => {
    const fromRegex = lengthFromContent(p.content);
    return [...p.minimumLength, ...(fromRegex !== undefined ? [fromRegex] : [])];
  });
  const own = policies.filter((p) => !APPLE_DEFAULT_POLICY.test(p.identifier));
  const has = (name: string) => own.some((p) => p.identifier.toLowerCase().endsWith(name.toLowerCase()));
  const mixed = has("requiresMixedCase");
  const alphanumeric = has("requireAlphanumeric");
  const classes =
    (has("requiresAlpha") || mixed || alphanumeric ? 1 : 0) +
    (mixed ? 1 : 0) +
    (has("requiresNumeric") || alphanumeric ? 1 : 0) +
    (has("requiresSymbol") ? 1 : 0);
  return {
    ...(maxAge.length ? { maxAgeDays: Math.min(...maxAge) } : {}),
    ...(lengths.length ? { minLength: Math.max(...lengths) } : {}),
    ...(classes > 0 ? { minClasses: classes } : {}),
    contentPolicies: own.length,
  };
}

/**
 * `pwpolicy -getaccountpolicies`: the account-lockout policy of the authentication category (the legacy
 * `maxFailedLoginAttempts` or an MDM passcode profile's maxFailedAttempts), i.e. its
 * policyAttributeMaximumFailedAuthentications, and autoEnableInSeconds when the account unlocks by itself
 * (without it the account stays disabled until an administrator resets it). No such policy: never locks.
 */
export function parsePwpolicyLockout(
  text: string,
): { maxAttempts: number; unlockSeconds?: number } | undefined {
  if (!/<plist/.test(text))
    return /No global policies|no policies|No global account policies/i.test(text)
      ? { maxAttempts: 0 }
      : undefined;
  const ints = (key: string) =>
    [...text.matchAll(new RegExp(`<key>${key}</key>\\s*<integer>(\\d+)</integer>`, "g"))].map((m) =>
      Number(m[1]),
    );
  const attempts = ints("policyAttributeMaximumFailedAuthentications").filter((n) => n > 0);
  if (!attempts.length) return { maxAttempts: 0 };
  const unlock = ints("autoEnableInSeconds");
  return { maxAttempts: Math.min(...attempts), unlockSeconds: unlock.length ? Math.max(...unlock) : 0 };
}

/**
 * `profiles status -type enrollment` (macOS 10.13.4 and later): "Enrolled via DEP: Yes|No", "MDM enrollment:
 * Yes (User Approved)|Yes|No" and, when enrolled on recent releases, "MDM server: <url>".
 */
export function parseProfilesEnrollment(
  text: string,
): { enrolled: boolean; automated: boolean; userApproved: boolean; server?: string } | undefined {
  const dep = /Enrolled via DEP:\s*(Yes|No)/i.exec(text)?.[1];
  const mdm = /MDM enrollment:\s*(Yes|No)(\s*\(User Approved\))?/i.exec(text);
  if (!dep || !mdm?.[1]) return undefined;
  const server = /MDM server:\s*(\S+)/i.exec(text)?.[1];
  const automated = /^yes$/i.test(dep);
  const enrolled = /^yes$/i.test(mdm[1]);
  return {
    enrolled,
    automated,
    // Automated Device Enrollment is user approved by definition (Apple: "Device Enrollment … is always user approved").
    userApproved: enrolled && (!!mdm[2] || automated),
    ...(server ? { server } : {}),
  };
}
