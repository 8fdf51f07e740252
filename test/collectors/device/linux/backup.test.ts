import { describe, expect, it } from "vitest";
import { findScheduledBackup, probeBackup } from "../../../../src/collectors/device/linux/backup.js";
import { fakeHost } from "./helpers.js";

describe("backup schedules", () => {
  it("a restic cron job is a backup; logrotate and tar without 'backup' are not", () => {
    expect(
      findScheduledBackup(
        new Map([["/etc/cron.d/restic", "15 2 * * * root /usr/bin/restic backup /home --quiet\n"]]),
      ),
    ).toEqual({
      tool: "restic",
      file: "/etc/cron.d/restic",
    });
    expect(
      findScheduledBackup(
        new Map([["/etc/cron.daily/logrotate", "#!/bin/sh\n/usr/sbin/logrotate /etc/logrotate.conf\n"]]),
      ),
    ).toBeUndefined();
    expect(
      findScheduledBackup(new Map([["/etc/cron.d/x", "0 1 * * * root tar czf /tmp/logs.tgz /var/log\n"]])),
    ).toBeUndefined();
    expect(
      findScheduledBackup(new Map([["/etc/cron.d/x", "0 1 * * * root tar czf /backup/etc.tgz /etc\n"]]))
        ?.tool,
    ).toBe("tar");
  });

  it("commented lines do not count", () => {
    expect(
      findScheduledBackup(new Map([["/etc/crontab", "# 0 3 * * * root borg create ::x /\n"]])),
    ).toBeUndefined();
  });

  it("a borgmatic timer enabled in timers.target.wants", async () => {
    const r = await probeBackup(
      fakeHost({ dirs: { "/etc/systemd/system/timers.target.wants": ["borgmatic.timer"] } }),
    );
    expect(r.attributes.backup).toEqual({ configured: true, tool: "borgmatic" });
  });

  it("a running Bacula file daemon", async () => {
    const r = await probeBackup(fakeHost({ processes: ["bacula-fd"] }));
    expect(r.attributes.backup).toEqual({ configured: true, tool: "bacula" });
  });

  it("nothing scheduled (this VM)", async () => {
    const r = await probeBackup(
      fakeHost({
        files: { "/etc/crontab": "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n" },
      }),
    );
    expect(r.attributes.backup).toEqual({ configured: false });
  });
});
