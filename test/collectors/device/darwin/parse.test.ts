import { describe, expect, it } from "vitest";
import {
  isMajorUpgrade,
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
  type SoftwareUpdateItem,
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
    expect(parseFdesetupStatus(f("fdesetup-deferred.txt"))).toBe("deferred");
    expect(parseFdesetupStatus("FileVault is Sideways.")).toBeUndefined();
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
    expect(parseAlfGlobalState(f("alf-globalstate-enabled-state2.txt"))).toBe(true);
    expect(parseAlfAppCount(f("alf-listapps.txt"))).toBe(3);
  });

  it("softwareupdate: pending items, nothing pending, and a failed listing", () => {
    const listing = parseSoftwareUpdateList(f("softwareupdate-list-pending.txt"));
    if (!listing.ok) throw new Error(listing.reason);
    const items = listing.items;
    expect(items.map((i) => i.label)).toEqual([
      "macOS Sonoma 14.6.1-23G93",
      "Safari17.6VenturaAuto-17.6",
      "Command Line Tools for Xcode-15.3",
    ]);
    expect(items[0]).toMatchObject({
      title: "macOS Sonoma 14.6.1",
      version: "14.6.1",
      recommended: true,
      restart: true,
    });
    expect(items[1]?.restart).toBe(false);
    expect(items.filter((i) => isSecurityUpdate(i, "14.5")).map((i) => i.title)).toEqual([
      "macOS Sonoma 14.6.1",
    ]);
    expect(
      parseSoftwareUpdateList(
        f("softwareupdate-list-none.stdout.txt"),
        f("softwareupdate-list-none.stderr.txt"),
      ),
    ).toEqual({ ok: true, items: [] });
    expect(
      parseSoftwareUpdateList(
        f("softwareupdate-list-offline.stdout.txt"),
        f("softwareupdate-list-offline.stderr.txt"),
      ),
    ).toEqual({ ok: false, reason: "Can't connect to the Apple Software Update server." });
    expect(parseSoftwareUpdateSchedule(f("softwareupdate-schedule-on.txt"))).toBe(true);
    expect(parseSoftwareUpdateSchedule(f("softwareupdate-schedule-off.txt"))).toBe(false);
    // The older wording, grepped for by 0xmachos/mOSL (issue #17).
    expect(parseSoftwareUpdateSchedule("Automatic check is on\n")).toBe(true);
    expect(parseSoftwareUpdateSchedule("Automatic check is off\n")).toBe(false);
    expect(parseSoftwareUpdateSchedule("Automatic check is unknown\n")).toBeUndefined();
    expect(parseDefaultsDate(f("defaults-lastsuccessfuldate.txt"))).toBe("2024-08-12T07:41:09.000Z");
  });

  it("softwareupdate: a Ventura Mac offered Sonoma (recorded): the major upgrade is no security update", () => {
    const listing = parseSoftwareUpdateList(f("softwareupdate-list-ventura-sonoma-offered.txt"));
    if (!listing.ok) throw new Error(listing.reason);
    expect(listing.items.map((i) => [i.title, i.version, i.restart])).toEqual([
      ["Safari", "17.0", false],
      ["macOS Ventura 13.6", "13.6", true],
      ["macOS Sonoma 14.0", "14.0", true],
    ]);
    const [safari, ventura, sonoma] = listing.items as [
      SoftwareUpdateItem,
      SoftwareUpdateItem,
      SoftwareUpdateItem,
    ];
    expect(isMajorUpgrade(sonoma, "13.5.2")).toBe(true);
    expect(isSecurityUpdate(sonoma, "13.5.2")).toBe(false);
    expect(isSecurityUpdate(ventura, "13.5.2")).toBe(true);
    expect(isSecurityUpdate(safari, "13.5.2")).toBe(false);
    // On Sonoma itself, a Sonoma point release is the security update.
    expect(isMajorUpgrade(sonoma, "14.0")).toBe(false);
    // 10.x releases are told apart by their second number.
    expect(isMajorUpgrade({ ...sonoma, title: "macOS Catalina 10.15", version: "10.15" }, "10.14.6")).toBe(
      true,
    );
    expect(isMajorUpgrade({ ...sonoma, title: "macOS Mojave 10.14.6", version: "10.14.6" }, "10.14.5")).toBe(
      false,
    );
  });

  it("softwareupdate: Ventura offered Sequoia two majors ahead, and Big Sur's listing (recorded)", () => {
    const sequoia = parseSoftwareUpdateList(f("softwareupdate-list-ventura-sequoia-offered.txt"));
    if (!sequoia.ok) throw new Error(sequoia.reason);
    expect(sequoia.items.filter((i) => isSecurityUpdate(i, "13.7.3")).map((i) => i.title)).toEqual([
      "macOS Ventura 13.7.4",
    ]);
    expect(sequoia.items.filter((i) => isMajorUpgrade(i, "13.7.3")).map((i) => i.title)).toEqual([
      "macOS Sequoia 15.3.1",
    ]);
    expect(parseSoftwareUpdateList(f("softwareupdate-list-bigsur.txt"))).toEqual({
      ok: true,
      items: [
        {
          label: "macOS Big Sur 11.1 Beta 2-20C5061b",
          title: "macOS Big Sur 11.1 Beta 2",
          version: "11.1",
          recommended: true,
          restart: true,
        },
      ],
    });
  });

  it("softwareupdate: the Mojave-era listing (recorded) is read, and an unreadable listing is never 'nothing pending'", () => {
    expect(parseSoftwareUpdateList(f("softwareupdate-list-mojave.txt"))).toEqual({
      ok: true,
      items: [
        {
          label: "Safari14.0MojaveAuto-14.0",
          title: "Safari",
          version: "14.0",
          recommended: true,
          restart: false,
        },
      ],
    });
    const legacyRestart = parseSoftwareUpdateList(
      "Software Update found the following new or updated software:\n   * Security Update 2019-005-\n\tSecurity Update 2019-005 ( ), 1810137K [recommended] [restart]\n",
    );
    expect(legacyRestart).toMatchObject({
      ok: true,
      items: [{ title: "Security Update 2019-005", recommended: true, restart: true }],
    });
    // The header with no item in a known format (a future format change): fail closed, naming the text.
    const header =
      "Software Update Tool\n\nFinding available software\nSoftware Update found the following new or updated software:\n";
    expect(parseSoftwareUpdateList(`${header}   - macOS Sonoma 14.7 (restart)\n`)).toEqual({
      ok: false,
      reason: "announced new software but listed no item in a known format",
    });
    // Header on stderr, items on stdout: still read.
    expect(
      parseSoftwareUpdateList(
        "* Label: X-1\n\tTitle: X, Version: 1, Size: 1KiB, Recommended: YES, \n",
        "Software Update found the following new or updated software:\n",
      ),
    ).toMatchObject({ ok: true, items: [{ label: "X-1" }] });
    const partly = parseSoftwareUpdateList(
      `${header}* Label: X-1\n\tTitle: X, Version: 1, Size: 1KiB, Recommended: YES, \n* Label: Y-2\n\tsomething else\n`,
    );
    expect(partly).toEqual({ ok: false, reason: 'unreadable update entry: "Label: Y-2" / "something else"' });
  });

  it("screen lock from sysadminctl, integer and float delays (recorded), -1 meaning off", () => {
    expect(parseSysadminctlScreenLock(f("sysadminctl-screenlock-300-float.txt"))).toEqual({
      requirePassword: true,
      delaySeconds: 300,
    });
    expect(parseSysadminctlScreenLock(f("sysadminctl-screenlock-off-float.txt"))).toEqual({
      requirePassword: false,
    });
    expect(parseSysadminctlScreenLock("screenLock delay is 5.000000 seconds")).toEqual({
      requirePassword: true,
      delaySeconds: 5,
    });
    expect(parseSysadminctlScreenLock("sysadminctl: unrecognised option")).toBeUndefined();
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
    // Recorded: SIP off through a custom configuration, and "enabled (Custom Configuration)" with every
    // protection disabled, which must not read as enabled.
    expect(parseCsrutilStatus(f("csrutil-custom-catalina.txt"))).toBe(false);
    expect(parseCsrutilStatus(f("csrutil-enabled-custom-elcapitan.txt"))).toBe(false);
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

  it("pwpolicy: Apple's built-in FDE policy is no strength policy; an MDM minimum length lives in the regex", () => {
    // Every unmanaged Mac (recorded): 4 characters is enforced, nothing else is.
    expect(parsePwpolicyAccountPolicies(f("pwpolicy-default-fde.txt"))).toEqual({
      minLength: 4,
      contentPolicies: 0,
    });
    // A passcode profile's minLength has no minimumLength parameter, only '.{7,}' (recorded).
    expect(parsePwpolicyAccountPolicies(f("pwpolicy-mdm-minlength.txt"))).toEqual({
      minLength: 7,
      contentPolicies: 1,
    });
    const sixPlus = f("pwpolicy-mdm-minlength.txt").replace("'.{7,}'", "'.{6,}+'");
    expect(parsePwpolicyAccountPolicies(sixPlus)?.minLength).toBe(6);
    // A content regex that is not a plain length bound gives no length.
    const classOnly = f("pwpolicy-mdm-minlength.txt").replace("'.{7,}'", "'(.*[0-9].*){1,}+'");
    expect(parsePwpolicyAccountPolicies(classOnly)).toEqual({ minLength: 4, contentPolicies: 1 });
  });
});
