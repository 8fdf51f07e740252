import { describe, expect, it } from "vitest";
import {
  decideGnomeLock,
  decideKdeLock,
  graphicalSessions,
  parseLoginctlList,
  parseLoginctlShow,
  passwdEntry,
  probeScreenLock,
} from "../../../../src/collectors/device/linux/screen-lock.js";
import { fakeHost, recorded } from "./helpers.js";

describe("screen lock parsers", () => {
  it("loginctl (Ubuntu 22.04 desktop): the active wayland session comes first", () => {
    const ids = parseLoginctlList(recorded("ubuntu2204", "loginctl-list-sessions.txt"));
    expect(ids).toEqual(["2", "c1"]);
    const sessions = graphicalSessions(
      parseLoginctlShow(recorded("ubuntu2204", "loginctl-show-session.txt")),
    );
    expect(sessions.map((s) => [s.user, s.type, s.active])).toEqual([
      ["alice", "wayland", true],
      ["gdm", "wayland", false],
    ]);
  });

  it("loginctl (Ubuntu 24.04 server, newer column layout): an ssh tty session is not a desktop", () => {
    expect(parseLoginctlList(recorded("ubuntu2404", "loginctl-list-sessions.txt"))).toEqual(["1"]);
    expect(graphicalSessions(parseLoginctlShow(recorded("ubuntu2404", "loginctl-show-session.txt")))).toEqual(
      [],
    );
  });

  it("GNOME: locks after idle-delay + lock-delay; idle-delay 0 never locks", () => {
    expect(
      decideGnomeLock(
        recorded("ubuntu2204", "gsettings-lock-enabled.txt"),
        recorded("ubuntu2204", "gsettings-idle-delay.txt"),
        recorded("ubuntu2204", "gsettings-lock-delay.txt"),
      ),
    ).toEqual({ mechanism: "gnome", enabled: true, idleSeconds: 330, requirePassword: true });
    expect(decideGnomeLock("true", "uint32 0", "uint32 0")).toEqual({
      mechanism: "gnome",
      enabled: false,
      requirePassword: true,
    });
    expect(decideGnomeLock("false", "uint32 300", "uint32 0")).toEqual({
      mechanism: "gnome",
      enabled: false,
      requirePassword: false,
    });
  });

  it("GNOME: a value gsettings prints in an unknown form is unreadable, never 0", () => {
    expect(decideGnomeLock("true", "soon", "uint32 0")).toEqual({ unreadable: 'idle-delay printed "soon"' });
    expect(decideGnomeLock("maybe", "uint32 300", "uint32 0")).toEqual({
      unreadable: 'lock-enabled printed "maybe"',
    });
  });

  it("KDE (Fedora 40): Autolock=false disables it; keys not set stay unset (KDE's defaults are DEV-SCR-001's)", () => {
    expect(decideKdeLock(recorded("fedora40", "kscreenlockerrc"))).toEqual({
      mechanism: "kde",
      enabled: false,
    });
    expect(decideKdeLock(undefined)).toEqual({ mechanism: "kde" });
    expect(decideKdeLock("[Daemon]\nTimeout=10\n")).toEqual({ mechanism: "kde", idleSeconds: 600 });
    expect(decideKdeLock("[Daemon]\nAutolock=true\nRequirePassword=false\n")).toEqual({
      mechanism: "kde",
      enabled: true,
      requirePassword: false,
    });
    expect(decideKdeLock("[Daemon]\nTimeout=0\n")).toEqual({ mechanism: "kde", enabled: false });
    // Keys of another group are not the locker's.
    expect(decideKdeLock("[Greeter]\nTimeout=1\n")).toEqual({ mechanism: "kde" });
    expect(decideKdeLock("[Daemon]\nTimeout=soon\n")).toEqual({
      unreadable: "Timeout=soon is not a number of minutes",
    });
  });

  it("passwd entry gives home and primary group", () => {
    expect(passwdEntry(recorded("ubuntu2204", "passwd"), "alice")).toEqual({
      gid: 1000,
      home: "/home/alice",
    });
  });
});

describe("probeScreenLock", () => {
  it("no systemd and no display server (this VM): desktopSession false, no screenLock and nothing unreadable", async () => {
    const r = await probeScreenLock(
      fakeHost({
        commands: {
          "loginctl list-sessions --no-legend": {
            code: 1,
            stderr: "System has not been booted with systemd as init system (PID 1). Can't operate.",
          },
        },
        processes: ["bash", "node"],
      }),
    );
    expect(r.attributes).toEqual({ desktopSession: false });
    expect(r.unreadable).toEqual({});
    expect(r.sources.desktopSession).toContain("none running");
  });

  it("GNOME session: reads the session user's gsettings", async () => {
    const host = fakeHost({
      commands: {
        "loginctl list-sessions --no-legend": {
          stdout: recorded("ubuntu2204", "loginctl-list-sessions.txt"),
        },
        "loginctl show-session 2 c1 -p Id -p Type -p Name -p User -p Active": {
          stdout: recorded("ubuntu2204", "loginctl-show-session.txt"),
        },
        "gsettings get org.gnome.desktop.screensaver lock-enabled": { stdout: "true\n" },
        "gsettings get org.gnome.desktop.session idle-delay": { stdout: "uint32 600\n" },
        "gsettings get org.gnome.desktop.screensaver lock-delay": { stdout: "uint32 0\n" },
      },
      files: { "/etc/passwd": recorded("ubuntu2204", "passwd") },
      processes: ["gnome-shell", "Xwayland"],
    });
    const r = await probeScreenLock(host);
    expect(r.attributes).toEqual({
      desktopSession: true,
      screenLock: { mechanism: "gnome", enabled: true, idleSeconds: 600, requirePassword: true },
    });
    if (process.getuid?.() === 0) {
      // as root, gsettings runs under alice's uid/gid with her HOME
      const call = host.calls.find((c) => c.command.startsWith("gsettings"));
      expect(call?.options).toMatchObject({ uid: 1000, gid: 1000, env: { HOME: "/home/alice" } });
    }
  });

  it("KDE session reads kscreenlockerrc from the user's home", async () => {
    const r = await probeScreenLock(
      fakeHost({
        commands: {
          "loginctl list-sessions --no-legend": {
            stdout: recorded("fedora40", "loginctl-list-sessions.txt"),
          },
          "loginctl show-session 3 -p Id -p Type -p Name -p User -p Active": {
            stdout: recorded("fedora40", "loginctl-show-session.txt"),
          },
        },
        files: {
          "/etc/passwd": "carol:x:1000:1000::/home/carol:/bin/bash\n",
          "/home/carol/.config/kscreenlockerrc": recorded("fedora40", "kscreenlockerrc"),
        },
        processes: ["plasmashell", "kwin_wayland"],
      }),
    );
    expect(r.attributes.screenLock).toEqual({ mechanism: "kde", enabled: false });
    expect(r.sources.screenLock).toBe("file: /home/carol/.config/kscreenlockerrc");
  });

  it("a display server without logind: desktop yes, whose lock settings unknown -> unreadable", async () => {
    const r = await probeScreenLock(fakeHost({ processes: ["Xorg", "xfce4-session"] }));
    expect(r.attributes.desktopSession).toBe(true);
    expect(r.unreadable.screenLock).toContain("Xorg");
  });
});
