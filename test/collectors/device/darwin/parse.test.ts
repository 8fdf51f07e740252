import { describe, expect, it } from "vitest";
import {
  isSecurityUpdate,
  parseAlfAppCount,
  parseAlfGlobalState,
  parseConsoleUser,
  parseCsrutilStatus,
  parseDefaultsDate,
  parseDiskutilInfo,
  parseDsclGroupMembership,
  parseDsclUidZero,
  parseFdesetupStatus,
  parseIoregPlatformUuid,
  parseMountControls,
  parsePwpolicyAccountPolicies,
  parseSoftwareUpdateList,
  parseSoftwareUpdateSchedule,
  parseSpctlStatus,
  parseSwVers,
  parseSysadminctlScreenLock,
  parseSystemsetupOnOff,
  parseTmutilDestinations,
  parseTmutilLatestBackup,
} from "../../../../src/collectors/device/darwin/parse.js";
import { fixture } from "../recorded-host.js";

const f = (name: string) => fixture("darwin", name);

describe("macOS tool parsers (recorded outputs)", () => {
  it("identity: sw_vers and ioreg", () => {
    expect(parseSwVers(f("sw_vers.txt"))).toEqual({
      productName: "macOS",
      productVersion: "14.5",
      buildVersion: "23F79",
    });
    expect(parseIoregPlatformUuid(f("ioreg-platform.txt"))).toBe("5a2c39e4-8c1b-5f4e-9e6b-3b1d7c2a9f10");
    expect(parseSwVers("garbage")).toBeUndefined();
  });

  it("FileVault: on, off, and encryption still in progress", () => {
    expect(parseFdesetupStatus(f("fdesetup-on.txt"))).toBe("on");
    expect(parseFdesetupStatus(f("fdesetup-off.txt"))).toBe("off");
    expect(parseFdesetupStatus(f("fdesetup-encrypting.txt"))).toBe("encrypting");
    expect(parseFdesetupStatus("fdesetup: command requires root")).toBeUndefined();
    expect(parseDiskutilInfo(f("diskutil-info-root.txt"))).toEqual({
      device: "disk3s1s1",
      mount: "/",
      fileVault: true,
    });
  });

  it("application firewall state and rule count", () => {
    expect(parseAlfGlobalState(f("alf-globalstate-on.txt"))).toBe(true);
    expect(parseAlfGlobalState(f("alf-globalstate-off.txt"))).toBe(false);
    expect(parseAlfGlobalState(f("alf-globalstate-blockall.txt"))).toBe(true);
    expect(parseAlfAppCount(f("alf-listapps.txt"))).toBe(3);
  });

  it("softwareupdate: pending items, nothing pending, and a failed listing", () => {
    const items = parseSoftwareUpdateList(f("softwareupdate-list-pending.txt"));
    expect(items?.map((i) => i.label)).toEqual([
      "macOS Sonoma 14.6.1-23G93",
      "Safari17.6VenturaAuto-17.6",
      "Command Line Tools for Xcode-15.3",
    ]);
    expect(items?.[0]).toMatchObject({
      title: "macOS Sonoma 14.6.1",
      version: "14.6.1",
      recommended: true,
      restart: true,
    });
    expect(items?.[1]?.restart).toBe(false);
    expect(items?.filter(isSecurityUpdate).map((i) => i.title)).toEqual(["macOS Sonoma 14.6.1"]);
    expect(
      parseSoftwareUpdateList(
        f("softwareupdate-list-none.stdout.txt"),
        f("softwareupdate-list-none.stderr.txt"),
      ),
    ).toEqual([]);
    expect(
      parseSoftwareUpdateList(
        f("softwareupdate-list-offline.stdout.txt"),
        f("softwareupdate-list-offline.stderr.txt"),
      ),
    ).toBeUndefined();
    expect(parseSoftwareUpdateSchedule(f("softwareupdate-schedule-on.txt"))).toBe(true);
    expect(parseSoftwareUpdateSchedule(f("softwareupdate-schedule-off.txt"))).toBe(false);
    expect(parseDefaultsDate(f("defaults-lastsuccessfuldate.txt"))).toBe("2024-08-12T07:41:09.000Z");
  });

  it("screen lock from sysadminctl", () => {
    expect(parseSysadminctlScreenLock(f("sysadminctl-screenlock-immediate.txt"))).toEqual({
      requirePassword: true,
      delaySeconds: 0,
    });
    expect(parseSysadminctlScreenLock(f("sysadminctl-screenlock-300.txt"))).toEqual({
      requirePassword: true,
      delaySeconds: 300,
    });
    expect(parseSysadminctlScreenLock(f("sysadminctl-screenlock-off.txt"))).toEqual({
      requirePassword: false,
    });
  });

  it("SIP (a custom configuration is not enabled) and Gatekeeper", () => {
    expect(parseCsrutilStatus(f("csrutil-enabled.txt"))).toBe(true);
    expect(parseCsrutilStatus(f("csrutil-custom.txt"))).toBe(false);
    expect(parseSpctlStatus(f("spctl-enabled.txt"))).toBe(true);
    expect(parseSpctlStatus(f("spctl-disabled.txt"))).toBe(false);
  });

  it("Time Machine destinations and the newest backup's local time stamp", () => {
    expect(parseTmutilDestinations(f("tmutil-destinationinfo.txt"))).toBe(1);
    expect(parseTmutilDestinations(f("tmutil-destinationinfo-none.txt"))).toBe(0);
    expect(parseTmutilLatestBackup(f("tmutil-latestbackup.txt"))?.getTime()).toBe(
      new Date(2024, 7, 14, 8, 12, 33).getTime(),
    );
  });

  it("admins, extra UID 0 accounts, mount controls, network time, console user", () => {
    expect(parseDsclGroupMembership(f("dscl-admin.txt"))).toEqual(["root", "alice", "itadmin"]);
    expect(parseDsclUidZero(f("dscl-uniqueid.txt"))).toEqual(["toor"]);
    expect(parseMountControls(f("defaults-mount-controls.txt"))).toEqual({
      blocked: true,
      actions: ["deny", "eject"],
    });
    expect(parseMountControls('{\n    "harddisk-external" =     (\n        "read-only"\n    );\n}')).toEqual({
      blocked: false,
      actions: ["read-only"],
    });
    expect(parseSystemsetupOnOff(f("systemsetup-networktime.txt"), "Network Time")).toBe(true);
    expect(parseSystemsetupOnOff(f("systemsetup-remotelogin.txt"), "Remote Login")).toBe(false);
    expect(parseConsoleUser(f("console-user.txt"))).toBe("alice");
    expect(parseConsoleUser("root\n")).toBeUndefined();
  });

  it("account password policy from pwpolicy", () => {
    expect(parsePwpolicyAccountPolicies(f("pwpolicy-accountpolicies.txt"))).toEqual({
      maxAgeDays: 90,
      minLength: 12,
      minClasses: 2,
      contentPolicies: 3,
    });
    expect(parsePwpolicyAccountPolicies(f("pwpolicy-none.txt"))).toEqual({ contentPolicies: 0 });
    expect(parsePwpolicyAccountPolicies("pwpolicy: Permission denied")).toBeUndefined();
  });
});
