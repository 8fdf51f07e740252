import { describe, expect, it } from "vitest";
import {
  decideTimeSync,
  parseChronyTracking,
  parseNtpqPeers,
  parseTimedatectl,
  probeTimeSync,
} from "../../../../src/collectors/device/linux/time-sync.js";
import { fakeHost, recorded } from "./helpers.js";

describe("time sync parsers", () => {
  it("timedatectl show: synchronised (Ubuntu 22.04) and not yet (Ubuntu 24.04)", () => {
    expect(parseTimedatectl(recorded("ubuntu2204", "timedatectl-show.txt"))).toEqual({
      ntp: true,
      synchronized: true,
    });
    expect(parseTimedatectl(recorded("ubuntu2404", "timedatectl-show.txt"))).toEqual({
      ntp: true,
      synchronized: false,
    });
  });

  it("chronyc tracking: RHEL 9 synced to the AWS time service, Fedora unsynchronised", () => {
    expect(parseChronyTracking(recorded("rhel9", "chronyc-tracking.txt"))).toBe(true);
    expect(parseChronyTracking(recorded("fedora40", "chronyc-tracking.txt"))).toBe(false);
    expect(parseChronyTracking("506 Cannot talk to daemon\n")).toBeUndefined();
  });

  it("ntpq -pn: a '*' peer is the system peer", () => {
    expect(parseNtpqPeers(recorded("fedora40", "ntpq-pn.txt"))).toBe(true);
    expect(parseNtpqPeers(" 0.pool.ntp.org .POOL. 16 p - 64 0 0.000 0.000 0.000\n")).toBe(false);
  });

  it("decision: a running daemon is active; NTP=yes without sync or daemon is not", () => {
    expect(decideTimeSync({ running: ["chronyd"], chronySynchronized: true })).toEqual({
      active: true,
      service: "chronyd",
      synchronized: true,
    });
    expect(decideTimeSync({ running: [], timedatectl: { ntp: true, synchronized: false } })).toEqual({
      active: false,
      service: "systemd-timesyncd",
      synchronized: false,
    });
    expect(decideTimeSync({ running: [] })).toEqual({ active: false });
  });
});

describe("probeTimeSync", () => {
  it("no daemon and no systemd (this VM): inactive", async () => {
    const r = await probeTimeSync(
      fakeHost({
        commands: {
          "timedatectl show": {
            code: 1,
            stderr: "System has not been booted with systemd as init system (PID 1). Can't operate.",
          },
        },
      }),
    );
    expect(r.attributes.timeSync).toEqual({ active: false });
    expect(r.sources.timeSync).toContain("none running");
  });

  it("systemd-timesyncd (comm truncated to 15 characters) with timedatectl", async () => {
    const r = await probeTimeSync(
      fakeHost({
        processes: ["systemd-timesyn"],
        commands: { "timedatectl show": { stdout: recorded("ubuntu2204", "timedatectl-show.txt") } },
      }),
    );
    expect(r.attributes.timeSync).toEqual({ active: true, service: "systemd-timesyncd", synchronized: true });
  });

  it("chronyd asks chronyc for the sync state", async () => {
    const r = await probeTimeSync(
      fakeHost({
        processes: ["chronyd"],
        commands: { "chronyc -n tracking": { stdout: recorded("rhel9", "chronyc-tracking.txt") } },
      }),
    );
    expect(r.attributes.timeSync).toEqual({ active: true, service: "chronyd", synchronized: true });
  });
});
