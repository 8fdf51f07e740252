import type { DeviceFacts } from "../../../core/facts/device.js";
import { describeFailure } from "../exec.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";
import { anyProcess } from "./processes.js";

type ScreenLock = NonNullable<DeviceFacts["screenLock"]>;

export interface Session {
  id: string;
  type: string;
  user: string;
  uid: number;
  active: boolean;
}

/** Pure: `loginctl list-sessions --no-legend` -> session ids (first column). */
export function parseLoginctlList(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter((id) => /^\w+$/.test(id));
}

/** Pure: `loginctl show-session ID… -p Id -p Type -p Name -p User -p Active` (blank line between sessions). */
export function parseLoginctlShow(text: string): Session[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const props = new Map<string, string>();
      for (const line of block.split("\n")) {
        const eq = line.indexOf("=");
        if (eq > 0) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
      }
      return {
        id: props.get("Id") ?? "",
        type: props.get("Type") ?? "",
        user: props.get("Name") ?? "",
        uid: Number.parseInt(props.get("User") ?? "-1", 10),
        active: props.get("Active") === "yes",
      };
    })
    .filter((s) => s.id !== "");
}

const GRAPHICAL = new Set(["x11", "wayland", "mir"]);

export function graphicalSessions(sessions: readonly Session[]): Session[] {
  return sessions.filter((s) => GRAPHICAL.has(s.type)).sort((a, b) => Number(b.active) - Number(a.active));
}

/** Display servers and shells: a desktop runs here even when logind cannot be asked (no systemd). */
export const DESKTOP_PROCESSES = [
  "Xorg",
  "Xwayland",
  "gnome-shell",
  "plasmashell",
  "kwin_wayland",
  "kwin_x11",
  "sway",
  "weston",
  "xfce4-session",
  "cinnamon",
  "mate-session",
];

/** gsettings prints `true`, `uint32 300`. */
function gvariantNumber(text: string): number | undefined {
  const m = /(-?\d+)\s*$/.exec(text.trim());
  return m?.[1] === undefined ? undefined : Number.parseInt(m[1], 10);
}

/**
 * Pure: GNOME's settings -> screen lock. The screen blanks after `idle-delay` seconds (0 = never) and locks
 * `lock-delay` seconds later when `lock-enabled` is true. gsettings prints effective values (schema defaults
 * included), so each is a reading; one it prints in an unknown form is unreadable, never 0 or false.
 */
export function decideGnomeLock(
  lockEnabled: string,
  idleDelay: string,
  lockDelay: string,
): ScreenLock | { unreadable: string } {
  const flag = lockEnabled.trim();
  const idle = gvariantNumber(idleDelay);
  const delay = gvariantNumber(lockDelay);
  if (flag !== "true" && flag !== "false") return { unreadable: `lock-enabled printed "${flag}"` };
  if (idle === undefined) return { unreadable: `idle-delay printed "${idleDelay.trim()}"` };
  if (delay === undefined) return { unreadable: `lock-delay printed "${lockDelay.trim()}"` };
  const enabled = flag === "true";
  const locks = enabled && idle > 0;
  return {
    mechanism: "gnome",
    enabled: locks,
    ...(locks ? { idleSeconds: idle + delay } : {}),
    requirePassword: enabled,
  };
}

/**
 * Pure: KDE's ~/.config/kscreenlockerrc, [Daemon] `Autolock` (lock automatically), `Timeout` (minutes idle) and
 * `RequirePassword`. Only keys the file sets are recorded: a key it leaves out (or no file at all) takes KDE's
 * default, which DEV-SCR-001 states; `Autolock=false` or `Timeout=0` mean it never locks, whatever else is set.
 */
export function decideKdeLock(text: string | undefined): ScreenLock | { unreadable: string } {
  const daemon = /^\s*\[Daemon\]\s*$([\s\S]*?)(?=^\s*\[|(?![\s\S]))/m.exec(text ?? "")?.[1] ?? "";
  const value = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*(\\S+)`, "m").exec(daemon)?.[1];
  const flag = (key: string) => {
    const v = value(key)?.toLowerCase();
    return v === undefined ? undefined : v === "true";
  };
  const autolock = flag("Autolock");
  const rawTimeout = value("Timeout");
  const minutes = rawTimeout === undefined ? undefined : Number(rawTimeout);
  if (minutes !== undefined && !(Number.isFinite(minutes) && minutes >= 0))
    return { unreadable: `Timeout=${rawTimeout} is not a number of minutes` };
  const requirePassword = flag("RequirePassword");
  const never = autolock === false || minutes === 0;
  const seconds = minutes === undefined ? undefined : Math.round(minutes * 60);
  return {
    mechanism: "kde",
    ...(never ? { enabled: false } : autolock === true ? { enabled: true } : {}),
    ...(!never && seconds !== undefined ? { idleSeconds: seconds } : {}),
    ...(requirePassword !== undefined ? { requirePassword } : {}),
  };
}

/** Pure: a user's primary group and home folder from /etc/passwd. */
export function passwdEntry(passwd: string, user: string): { gid: number; home: string } | undefined {
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] === user && f[3] !== undefined && f[5] !== undefined)
      return { gid: Number.parseInt(f[3], 10), home: f[5] };
  }
  return undefined;
}

async function desktopSessions(
  host: Host,
): Promise<{ sessions: Session[]; source: string } | { processOnly: string; source: string }> {
  const list = await host.exec("loginctl", ["list-sessions", "--no-legend"]);
  if (list.ok) {
    const ids = parseLoginctlList(list.stdout);
    if (ids.length === 0) return { sessions: [], source: `cmd: ${list.command} (no sessions)` };
    const show = await host.exec("loginctl", [
      "show-session",
      ...ids,
      "-p",
      "Id",
      "-p",
      "Type",
      "-p",
      "Name",
      "-p",
      "User",
      "-p",
      "Active",
    ]);
    if (show.ok)
      return { sessions: graphicalSessions(parseLoginctlShow(show.stdout)), source: `cmd: ${show.command}` };
  }
  // No logind to ask (containers, non-systemd init): a running display server still reveals a desktop.
  const found = anyProcess(await host.processes(), DESKTOP_PROCESSES);
  const why = `cmd: loginctl list-sessions (${describeFailure(list).replace(/^[^:]*: /, "")}); proc: display servers`;
  return found ? { processOnly: found, source: why } : { sessions: [], source: `${why} (none running)` };
}

export async function probeScreenLock(host: Host): Promise<ProbeResult> {
  const found = await desktopSessions(host);
  if ("processOnly" in found) {
    return deviceRecord()
      .set("desktopSession", true, found.source)
      .fail(
        "screenLock",
        `a desktop (${found.processOnly}) runs but logind cannot say whose; its lock settings are per user`,
      );
  }
  const session = found.sessions[0];
  if (!session) return deviceRecord().set("desktopSession", false, found.source);

  const result = deviceRecord().set("desktopSession", true, found.source);
  const passwd = await host.read("/etc/passwd");
  const entry = passwd.ok ? passwdEntry(passwd.text, session.user) : undefined;
  const home = entry?.home;
  const processes = await host.processes();
  if (anyProcess(processes, ["plasmashell", "kwin_wayland", "kwin_x11"]) && home) {
    const path = `${home}/.config/kscreenlockerrc`;
    const rc = await host.read(path);
    // A file that exists but cannot be read is not "nothing set": KDE's defaults must not stand in for it.
    if (!rc.ok && !rc.missing) return result.fail("screenLock", `${path}: ${rc.reason}`, `file: ${path}`);
    const kde = decideKdeLock(rc.ok ? rc.text : undefined);
    if ("unreadable" in kde) return result.fail("screenLock", `${path}: ${kde.unreadable}`, `file: ${path}`);
    return result.set("screenLock", kde, `file: ${path}${rc.ok ? "" : " (absent: nothing set)"}`);
  }
  // Read the session user's own settings: as root, run gsettings under their uid with their environment.
  const asUser =
    process.getuid?.() === 0 && session.uid > 0 && entry
      ? {
          uid: session.uid,
          gid: entry.gid,
          env: {
            HOME: home ?? "/",
            USER: session.user,
            XDG_RUNTIME_DIR: `/run/user/${session.uid}`,
            DBUS_SESSION_BUS_ADDRESS: `unix:path=/run/user/${session.uid}/bus`,
          },
        }
      : {};
  const [lock, idle, delay] = await Promise.all([
    host.exec("gsettings", ["get", "org.gnome.desktop.screensaver", "lock-enabled"], asUser),
    host.exec("gsettings", ["get", "org.gnome.desktop.session", "idle-delay"], asUser),
    host.exec("gsettings", ["get", "org.gnome.desktop.screensaver", "lock-delay"], asUser),
  ]);
  // gsettings prints the effective value (the schema default included): a failed read is unreadable, never 0.
  const failed = [lock, idle, delay].find((r) => !r.ok);
  if (failed) {
    return result.fail(
      "screenLock",
      `${session.type} session of ${session.user}: ${describeFailure(failed)}`,
    );
  }
  const gnome = decideGnomeLock(lock.stdout, idle.stdout, delay.stdout);
  if ("unreadable" in gnome)
    return result.fail(
      "screenLock",
      `${session.type} session of ${session.user}: gsettings ${gnome.unreadable}`,
    );
  return result.set(
    "screenLock",
    gnome,
    `cmd: gsettings get org.gnome.desktop.screensaver lock-enabled|lock-delay, org.gnome.desktop.session idle-delay (as ${session.user})`,
  );
}
