import type { DeviceFacts } from "../../../core/facts/device.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";
import { anyProcess } from "./processes.js";

type Backup = NonNullable<DeviceFacts["backup"]>;

/** Backup tools whose name in a schedule (cron line, systemd timer/service) means backups are scheduled. */
const SCHEDULED_TOOLS = [
  "restic",
  "borgmatic",
  "borg",
  "duplicity",
  "duply",
  "rsnapshot",
  "timeshift",
  "deja-dup",
  "duplicati",
  "kopia",
  "rclone",
  "bacula",
  "amanda",
  "tar",
];
/** Agents of backup systems that schedule from a server: their running daemon is the schedule. */
const AGENT_DAEMONS: Record<string, string> = {
  "bacula-fd": "bacula",
  "bareos-fd": "bareos",
  urbackupclientbackend: "urbackup",
  veeamservice: "veeam",
  dsmcad: "ibm-spectrum-protect",
  "duplicati-server": "duplicati",
};

/**
 * Pure: schedule texts (file -> content: crontabs, systemd timer/service units) -> the backup tool they run.
 * `tar` counts only next to a word like "backup", so a log-rotation job does not look like a backup.
 */
export function findScheduledBackup(
  files: ReadonlyMap<string, string>,
): { tool: string; file: string } | undefined {
  for (const [file, text] of files) {
    for (const raw of text.split("\n")) {
      const line = raw.replace(/#.*/, "");
      if (!line.trim()) continue;
      for (const tool of SCHEDULED_TOOLS) {
        if (!new RegExp(`(^|[\\s/=])${tool.replace(/-/g, "\\-")}(\\s|$|\\.|@)`).test(line)) continue;
        if (tool === "tar" && !/backup/i.test(line)) continue;
        if (tool === "rclone" && !/\b(sync|copy)\b/.test(line)) continue;
        return { tool, file };
      }
    }
  }
  return undefined;
}

const CRON_DIRS = [
  "/etc/cron.d",
  "/etc/cron.daily",
  "/etc/cron.weekly",
  "/etc/cron.hourly",
  "/var/spool/cron/crontabs",
  "/var/spool/cron",
];
const UNIT_DIRS = [
  "/etc/systemd/system",
  "/etc/systemd/system/timers.target.wants",
  "/usr/lib/systemd/system",
];

export async function probeBackup(host: Host): Promise<ProbeResult> {
  const processes = await host.processes();
  const daemon = Object.keys(AGENT_DAEMONS).find((d) => anyProcess(processes, [d]));
  if (daemon) {
    const backup: Backup = { configured: true, tool: AGENT_DAEMONS[daemon] };
    return deviceRecord().set("backup", backup, `proc: ${daemon} (backup agent running)`);
  }
  const [cronLists, unitLists] = await Promise.all([
    Promise.all(CRON_DIRS.map(async (d) => (await host.list(d)).map((n) => `${d}/${n}`))),
    Promise.all(
      UNIT_DIRS.map(async (d) =>
        (await host.list(d))
          .filter((n) => /\.(timer|service)$/.test(n) && SCHEDULED_TOOLS.some((t) => n.includes(t)))
          .map((n) => `${d}/${n}`),
      ),
    ),
  ]);
  // Unit files are only read when their name mentions a backup tool; timers are what schedules them.
  const timerNames = unitLists.flat().filter((p) => p.endsWith(".timer"));
  const paths = [
    "/etc/crontab",
    ...cronLists.flat(),
    ...unitLists.flat().filter((p) => p.endsWith(".service")),
  ];
  const texts = await Promise.all(paths.map(async (p) => [p, await host.read(p, 256 * 1024)] as const));
  const files = new Map<string, string>();
  for (const [p, r] of texts) if (r.ok) files.set(p, r.text);
  const timer = timerNames.find((p) => p.includes("/timers.target.wants/")) ?? timerNames[0];
  const fromTimer = timer ? SCHEDULED_TOOLS.find((t) => timer.includes(t)) : undefined;
  const scheduled = findScheduledBackup(files);
  const found = scheduled ?? (fromTimer && timer ? { tool: fromTimer, file: timer } : undefined);
  const backup: Backup = found ? { configured: true, tool: found.tool } : { configured: false };
  const source = found
    ? `file: ${found.file}`
    : `file: /etc/crontab, ${CRON_DIRS.join(", ")}, systemd timers (no backup schedule); proc: ${Object.keys(AGENT_DAEMONS).join(", ")} (none running)`;
  return deviceRecord().set("backup", backup, source);
}
