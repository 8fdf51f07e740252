import type { DeviceFacts } from "../../../core/facts/device.js";
import { BACKUP_AGENT_SERVICES } from "./posture-script.js";

type Backup = NonNullable<DeviceFacts["backup"]>;
type Source = NonNullable<Backup["sources"]>[number];
/** A posture-script section as read: its value, or why it could not be read. */
type Section<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface WindowsBackupInputs {
  serverBackup: Section<{
    installed: boolean;
    scheduled?: boolean | null;
    lastSuccessfulBackupTime?: string | null;
  }>;
  fileHistory: Section<{ items: FileHistoryConfig[] }>;
  oneDrivePolicy: Section<{ present: boolean; KFMSilentOptIn?: string | number | null }>;
  oneDriveUsers: Section<{ items: OneDriveUser[] }>;
  backupAgents: Section<{ items: { name: string; status: string }[] }>;
}

/** One profile's OneDrive state as the posture script read it (the hive's values only while signed in). */
export interface OneDriveUser {
  profile: string;
  loaded: boolean;
  oneDriveDirs: string[];
  accountFolders?: string[] | undefined;
  Desktop?: string | null;
  Personal?: string | null;
  "My Pictures"?: string | null;
}

export interface FileHistoryConfig {
  sid: string;
  profile: string;
  user?: string | null;
  status?: string | null;
  targetUrl?: string | null;
  error?: string | null;
}

/** The known folders OneDrive folder backup moves, by their value name under User Shell Folders. */
const KNOWN_FOLDERS = [
  ["Desktop", "Desktop"],
  ["Documents", "Personal"],
  ["Pictures", "My Pictures"],
] as const;

/** A Windows path for comparison: backslashes, no trailing one, case folded (NTFS names are case-insensitive). */
function windowsPath(path: string): string {
  return path.replace(/\//g, "\\").replace(/\\+$/, "").toLowerCase();
}

/**
 * One profile's OneDrive folder backup: on when Desktop, Documents or Pictures points into the folder of one of the
 * user's OneDrive accounts (`%USERPROFILE%` expanded with the profile's own path). A user who is not signed in has
 * no hive loaded: with a OneDrive folder in the profile that is a question the agent cannot answer now (a string,
 * the reason); without one, the user has no OneDrive to back anything up to (nothing to report).
 */
export function oneDriveFolderBackup(user: OneDriveUser): Source | string | undefined {
  const name = user.profile.split(/[\\/]/).filter(Boolean).at(-1) ?? user.profile;
  if (!user.loaded)
    return user.oneDriveDirs.length > 0
      ? `OneDrive folder backup of ${user.profile}: the user is not signed in, so the registry hive that says where their folders point is not loaded`
      : undefined;
  const accounts = (user.accountFolders ?? []).map((folder) => folder.trim()).filter(Boolean);
  if (accounts.length === 0) return undefined;
  const moved: string[] = [];
  let into: string | undefined;
  for (const [label, value] of KNOWN_FOLDERS) {
    const raw = user[value]?.trim();
    if (!raw) continue;
    const path = windowsPath(raw.replace(/%USERPROFILE%/gi, user.profile));
    const account = accounts.find((folder) => {
      const root = windowsPath(folder);
      return path === root || path.startsWith(`${root}\\`);
    });
    if (account) {
      moved.push(label);
      into ??= account;
    }
  }
  return moved.length > 0
    ? { tool: "onedrive-folder-backup", enabled: true, user: name, target: `${moved.join(", ")} in ${into}` }
    : { tool: "onedrive-folder-backup", enabled: false, user: name, target: accounts.join(", ") };
}

/**
 * Pure: the backup mechanisms a Windows machine has, from the posture script's sections → the `backup` facts,
 * or the reason they cannot be stated. Windows Server Backup (a schedule in Get-WBPolicy), each user's File
 * History (DPStatus ENABLED with a target, as Config1.xml states them), the OneDrive known-folder policy (set to a
 * tenant), a signed-in user's folders moved into OneDrive and a running backup agent's service each count as a backup that is configured. One configured mechanism
 * settles it whatever else could not be read; "none configured" is stated only when every source was read, so a
 * machine whose File History could not be read is unreadable (its rule `error`), never "no backup".
 */
export function windowsBackupFacts(
  inputs: WindowsBackupInputs,
  now: Date,
): { ok: true; value: Backup } | { ok: false; reason: string } {
  const sources: Source[] = [];
  const unread: string[] = [];
  let latestAgeHours: number | undefined;

  const server = inputs.serverBackup;
  if (!server.ok) unread.push(`Get-WBPolicy/Get-WBSummary: ${server.reason}`);
  else if (server.value.installed) {
    sources.push({ tool: "windows-server-backup", enabled: server.value.scheduled === true });
    const last = Date.parse(server.value.lastSuccessfulBackupTime ?? "");
    if (Number.isFinite(last))
      latestAgeHours = Math.max(0, Math.round(((now.getTime() - last) / 3_600_000) * 10) / 10);
  }

  const fileHistory = inputs.fileHistory;
  if (!fileHistory.ok) unread.push(`File History configurations: ${fileHistory.reason}`);
  else
    for (const config of fileHistory.value.items) {
      const user = config.user?.trim() || config.profile;
      if (config.error) {
        unread.push(`File History configuration of ${user}: ${config.error.trim()}`);
        continue;
      }
      const target = config.targetUrl?.trim();
      sources.push({
        tool: "file-history",
        // DPStatus is ENABLED while File History runs; turning it off keeps the file with another status.
        enabled: config.status?.trim().toUpperCase() === "ENABLED" && Boolean(target),
        user,
        ...(target ? { target } : {}),
      });
    }

  const oneDrive = inputs.oneDrivePolicy;
  if (!oneDrive.ok) unread.push(`OneDrive policy: ${oneDrive.reason}`);
  else {
    const tenant = String(oneDrive.value.KFMSilentOptIn ?? "").trim();
    if (oneDrive.value.present && tenant)
      sources.push({
        tool: "onedrive-known-folder-move",
        enabled: true,
        target: `OneDrive (tenant ${tenant})`,
      });
  }

  const oneDriveUsers = inputs.oneDriveUsers;
  if (!oneDriveUsers.ok) unread.push(`OneDrive folder backup: ${oneDriveUsers.reason}`);
  else
    for (const user of oneDriveUsers.value.items) {
      const found = oneDriveFolderBackup(user);
      if (typeof found === "string") unread.push(found);
      else if (found) sources.push(found);
    }

  const agents = inputs.backupAgents;
  if (!agents.ok) unread.push(`Get-Service (backup agents): ${agents.reason}`);
  else
    for (const service of agents.value.items) {
      const tool = BACKUP_AGENT_SERVICES[service.name] ?? service.name;
      sources.push({ tool, enabled: service.status === "Running" });
    }

  const enabled = sources.filter((s) => s.enabled);
  if (enabled.length === 0 && unread.length > 0)
    return { ok: false, reason: `no backup found among what could be read; ${unread.join("; ")}` };
  const tools = [...new Set((enabled.length > 0 ? enabled : sources).map((s) => s.tool))];
  return {
    ok: true,
    value: {
      configured: enabled.length > 0,
      ...(tools.length > 0 ? { tool: tools.join(", ") } : {}),
      ...(latestAgeHours !== undefined ? { latestAgeHours } : {}),
      sources,
    },
  };
}
