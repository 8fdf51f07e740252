import type { DeviceFacts } from "../../../core/facts/device.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

type Accounts = NonNullable<DeviceFacts["accounts"]>;

/** Pure: /etc/passwd -> accounts other than root with UID 0. */
export function extraUidZero(passwd: string): string[] {
  return passwd
    .split("\n")
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 7 && f[2] === "0" && f[0] !== "root")
    .map((f) => f[0] as string);
}

/**
 * Pure: /etc/shadow -> accounts whose password field is empty (login without a password). `!`, `*`, `!!`
 * and `!…` hashes are locked, not empty. Only the user name is kept; hashes never leave this function.
 */
export function emptyPasswordUsers(shadow: string): string[] {
  return shadow
    .split("\n")
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 2 && f[0] !== "" && f[1] === "")
    .map((f) => f[0] as string);
}

/** Pure: /etc/group -> members of sudo/wheel/admin, plus users whose primary group is one of them. */
export function localAdmins(group: string, passwd: string): string[] {
  const adminGroups = new Map<string, string[]>();
  for (const line of group.split("\n")) {
    const [name, , gid, members] = line.split(":");
    if (name && gid && ["sudo", "wheel", "admin"].includes(name))
      adminGroups.set(gid, (members ?? "").split(",").filter(Boolean));
  }
  const admins = new Set([...adminGroups.values()].flat());
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] && f[3] && adminGroups.has(f[3])) admins.add(f[0]);
  }
  return [...admins].sort();
}

export async function probeAccounts(host: Host): Promise<ProbeResult> {
  const [passwd, shadow, group] = await Promise.all([
    host.read("/etc/passwd"),
    host.read("/etc/shadow"),
    host.read("/etc/group"),
  ]);
  if (!passwd.ok) return deviceRecord().fail("accounts", passwd.reason);
  const result = deviceRecord();
  if (!shadow.ok) {
    // Without /etc/shadow (needs root) the empty-password check is unknown, not "none".
    result.fail("accounts.emptyPasswordUsers", shadow.reason);
  }
  const accounts: Accounts = {
    ...(shadow.ok ? { emptyPasswordUsers: emptyPasswordUsers(shadow.text) } : {}),
    extraUidZeroUsers: extraUidZero(passwd.text),
    ...(group.ok ? { localAdmins: localAdmins(group.text, passwd.text) } : {}),
  };
  return result.set(
    "accounts",
    accounts,
    `file: /etc/passwd, /etc/shadow${shadow.ok ? "" : " (unreadable)"}, /etc/group`,
  );
}
