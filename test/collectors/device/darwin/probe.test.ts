import { describe, expect, it } from "vitest";
import { collectDarwinDevice, probeDarwinDevice } from "../../../../src/collectors/device/darwin/index.js";
import { DeviceFactsSchema } from "../../../../src/core/facts/device.js";
import { ResourceSchema } from "../../../../src/core/resource.js";
import { fixture, type Recording, recordedHost } from "../recorded-host.js";

const f = (name: string) => fixture("darwin", name);
const ALF = "/usr/libexec/ApplicationFirewall/socketfilterfw";
const XPROTECT = "/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist";
const MANAGED = "/Library/Managed Preferences";
const absent = (domain: string, key: string): Recording => ({
  code: 1,
  stderr: `The domain/default pair of (${domain}, ${key}) does not exist\n`,
});

/** A managed MacBook: FileVault on, firewall on, one macOS update pending, Time Machine 2 h old. */
function macbook(overrides: Record<string, Recording> = {}) {
  const now = new Date(2024, 7, 14, 10, 12, 33);
  return recordedHost(
    {
      "/usr/bin/sw_vers": { stdout: f("sw_vers.txt") },
      "/usr/bin/uname -r": { stdout: "23.5.0\n" },
      "/usr/bin/uname -m": { stdout: "arm64\n" },
      "/usr/sbin/ioreg -rd1 -c IOPlatformExpertDevice": { stdout: f("ioreg-platform.txt") },
      "/bin/hostname": { stdout: "alices-macbook.local\n" },
      "/usr/bin/fdesetup status": { stdout: f("fdesetup-on.txt") },
      "/usr/sbin/diskutil info /": { stdout: f("diskutil-info-root.txt") },
      [`${ALF} --getglobalstate`]: { stdout: f("alf-globalstate-on.txt") },
      [`${ALF} --listapps`]: { stdout: f("alf-listapps.txt") },
      "/usr/sbin/softwareupdate -l": { stdout: f("softwareupdate-list-pending.txt") },
      "/usr/sbin/softwareupdate --schedule": { stdout: f("softwareupdate-schedule-on.txt") },
      "/usr/bin/defaults read /Library/Preferences/com.apple.SoftwareUpdate CriticalUpdateInstall": {
        stdout: "1\n",
      },
      "/usr/bin/defaults read /Library/Preferences/com.apple.SoftwareUpdate LastSuccessfulDate": {
        stdout: f("defaults-lastsuccessfuldate.txt"),
      },
      [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver idleTime`]: absent(
        `${MANAGED}/com.apple.screensaver`,
        "idleTime",
      ),
      [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver askForPassword`]: absent(
        `${MANAGED}/com.apple.screensaver`,
        "askForPassword",
      ),
      [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver askForPasswordDelay`]: absent(
        `${MANAGED}/com.apple.screensaver`,
        "askForPasswordDelay",
      ),
      "/usr/bin/stat -f %Su /dev/console": { stdout: f("console-user.txt") },
      "/usr/bin/id -u alice": { stdout: "501\n" },
      "/usr/bin/id -g alice": { stdout: "20\n" },
      "/usr/bin/defaults -currentHost read com.apple.screensaver idleTime": { stdout: "600\n" },
      "/usr/sbin/sysadminctl -screenLock status": { stderr: f("sysadminctl-screenlock-immediate.txt") },
      [`/usr/bin/defaults read ${XPROTECT.replace(/\.plist$/, "")} CFBundleShortVersionString`]: {
        stdout: "5272\n",
      },
      "/usr/bin/tmutil destinationinfo": { stdout: f("tmutil-destinationinfo.txt") },
      "/usr/bin/tmutil latestbackup": { stdout: f("tmutil-latestbackup.txt") },
      [`/usr/bin/defaults read ${MANAGED}/com.apple.systemuiserver mount-controls`]: {
        stdout: f("defaults-mount-controls.txt"),
      },
      "/usr/bin/csrutil status": { stdout: f("csrutil-enabled.txt") },
      "/usr/sbin/spctl --status": { stdout: f("spctl-enabled.txt") },
      "/usr/bin/dscl . -read /Groups/admin GroupMembership": { stdout: f("dscl-admin.txt") },
      "/usr/bin/dscl . -list /Users UniqueID": { stdout: f("dscl-uniqueid.txt") },
      "/usr/sbin/systemsetup -getusingnetworktime": { stdout: f("systemsetup-networktime.txt") },
      "/usr/sbin/systemsetup -getremotelogin": { stdout: f("systemsetup-remotelogin.txt") },
      "/usr/bin/pwpolicy -getaccountpolicies": { stdout: f("pwpolicy-accountpolicies.txt") },
      "/usr/bin/profiles status -type enrollment": { stdout: f("profiles-enrollment-dep.txt") },
      ...overrides,
    },
    { now, mtimes: { [XPROTECT]: now.getTime() - 30 * 3_600_000 } },
  );
}

describe("macOS device probe", () => {
  it("turns recorded tool outputs into the platform-neutral device facts", async () => {
    const host = macbook();
    const { identity, result } = await probeDarwinDevice(host);
    expect(DeviceFactsSchema.safeParse(result.attributes).success).toBe(true);
    expect(identity?.hardwareUuid).toBe("5a2c39e4-8c1b-5f4e-9e6b-3b1d7c2a9f10");
    const a = result.attributes;
    expect(a.os).toMatchObject({
      platform: "darwin",
      distro: "macOS",
      release: "14.5",
      codename: "Sonoma",
      kernel: "23.5.0",
      arch: "arm64",
    });
    expect(a.diskEncryption).toEqual({
      systemVolumeEncrypted: true,
      method: "filevault",
      volumes: [{ mount: "/", device: "disk3s1s1", encrypted: true, method: "filevault" }],
    });
    expect(a.firewall).toEqual({ enabled: true, backend: "macos-alf", ruleCount: 3 });
    expect(a.updates).toMatchObject({
      manager: "softwareupdate",
      pending: 3,
      pendingSecurity: 1,
      automatic: true,
      rebootRequired: true,
      lastRefreshedAt: "2024-08-12T07:41:09.000Z",
    });
    expect(a.screenLock).toEqual({
      mechanism: "macos",
      enabled: true,
      idleSeconds: 600,
      requirePassword: true,
    });
    expect(a.malware).toMatchObject({
      installed: true,
      running: true,
      product: "XProtect 5272",
      signatureAgeHours: 30,
    });
    expect(a.backup).toEqual({ configured: true, tool: "time-machine", latestAgeHours: 2 });
    expect(a.removableMedia).toEqual({
      usbStorageBlocked: true,
      mechanism: "mount-controls harddisk-external: deny, eject",
    });
    expect(a.platformIntegrity).toEqual({ sip: true, gatekeeper: true });
    expect(a.accounts).toEqual({ extraUidZeroUsers: ["toor"], localAdmins: ["root", "alice", "itadmin"] });
    expect(a.timeSync).toEqual({ active: true, service: "timed" });
    expect(a.ssh).toEqual({ serverInstalled: true, serverRunning: false });
    expect(a.password).toEqual({ maxAgeDays: 90, minLength: 12, minClasses: 2, qualityModule: "pwpolicy" });
    expect(result.unreadable["accounts.emptyPasswordUsers"]).toMatch(/macOS/);
    // sshd_config is not read on macOS: named unread, so no DEV-SSH rule takes OpenSSH's default for it.
    expect(result.unreadable["ssh.passwordAuthentication"]).toMatch(/not collected on macOS/);
    expect(result.sources.diskEncryption).toMatch(/fdesetup status/);
    // The user's own screen-saver settings are read as that user, not as root.
    expect(host.calls.find((c) => c.command.startsWith("/usr/sbin/sysadminctl"))?.uid).toBe(501);
  });

  it("marks a group unreadable, with the reason, when its tool fails or is missing", async () => {
    const { result } = await probeDarwinDevice(
      macbook({
        "/usr/bin/fdesetup status": { code: 1, stderr: "Error: This command must be run as root.\n" },
        "/usr/sbin/softwareupdate -l": {
          stdout: f("softwareupdate-list-offline.stdout.txt"),
          stderr: f("softwareupdate-list-offline.stderr.txt"),
        },
        "/usr/bin/tmutil destinationinfo": { stdout: f("tmutil-destinationinfo-none.txt") },
        [`/usr/bin/defaults read ${MANAGED}/com.apple.systemuiserver mount-controls`]: {
          code: 1,
          stderr: f("defaults-mount-controls-absent.txt"),
        },
      }),
    );
    expect(result.attributes.diskEncryption).toBeUndefined();
    expect(result.unreadable.diskEncryption).toMatch(/must be run as root/);
    expect(result.unreadable.updates).toMatch(/Can't connect/);
    expect(result.attributes.backup).toEqual({ configured: false, tool: "time-machine" });
    expect(result.attributes.removableMedia).toEqual({ usbStorageBlocked: false });
    expect(DeviceFactsSchema.safeParse(result.attributes).success).toBe(true);
  });

  it("an app list it could not read leaves the firewall's rule count unread, never 0", async () => {
    const { result } = await probeDarwinDevice(
      macbook({ [`${ALF} --listapps`]: { code: 1, stderr: "socketfilterfw: permission denied\n" } }),
    );
    expect(result.attributes.firewall).toEqual({ enabled: true, backend: "macos-alf" });
    expect(result.unreadable["firewall.ruleCount"]).toMatch(/permission denied/);
    expect(DeviceFactsSchema.safeParse(result.attributes).success).toBe(true);
  });

  it("reads screen lock from a managed profile when nobody is logged in", async () => {
    const { result } = await probeDarwinDevice(
      macbook({
        "/usr/bin/stat -f %Su /dev/console": { stdout: "root\n" },
        [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver idleTime`]: { stdout: "900\n" },
        [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver askForPassword`]: { stdout: "1\n" },
        [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver askForPasswordDelay`]: { stdout: "5\n" },
      }),
    );
    expect(result.attributes.screenLock).toEqual({
      mechanism: "macos",
      enabled: true,
      idleSeconds: 905,
      requirePassword: true,
    });
    const off = await probeDarwinDevice(
      macbook({ "/usr/bin/stat -f %Su /dev/console": { stdout: "root\n" } }),
    );
    expect(off.result.unreadable.screenLock).toMatch(/no user is logged in/);
    // A profile without askForPasswordDelay and nobody to ask: the delay is not taken to be 0.
    const noDelay = await probeDarwinDevice(
      macbook({
        "/usr/bin/stat -f %Su /dev/console": { stdout: "root\n" },
        [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver idleTime`]: { stdout: "900\n" },
        [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver askForPassword`]: { stdout: "1\n" },
      }),
    );
    expect(noDelay.result.attributes.screenLock).toEqual({
      mechanism: "macos",
      enabled: true,
      requirePassword: true,
    });
    expect(noDelay.result.unreadable["screenLock.idleSeconds"]).toMatch(/askForPasswordDelay/);
    // Logged in, but the profile asks for a password with no delay and sysadminctl reports none either.
    const askedNoDelay = await probeDarwinDevice(
      macbook({
        [`/usr/bin/defaults read ${MANAGED}/com.apple.screensaver askForPassword`]: { stdout: "1\n" },
        "/usr/sbin/sysadminctl -screenLock status": { stderr: f("sysadminctl-screenlock-off.txt") },
      }),
    );
    expect(askedNoDelay.result.unreadable["screenLock.idleSeconds"]).toMatch(/sysadminctl reports no delay/);
  });

  it("an idleTime nobody set stays unset (macOS's default is DEV-SCR-001's to state), with the delay read", async () => {
    const notSet = (extra: Record<string, Recording> = {}) =>
      macbook({
        "/usr/bin/defaults -currentHost read com.apple.screensaver idleTime": absent(
          "com.apple.screensaver",
          "idleTime",
        ),
        ...extra,
      });
    const { result } = await probeDarwinDevice(notSet());
    expect(result.attributes.screenLock).toEqual({
      mechanism: "macos",
      requirePassword: true,
      passwordDelaySeconds: 0,
    });
    expect(result.sources.screenLock).toMatch(/idleTime \(as alice: not set\)/);
    expect(DeviceFactsSchema.safeParse(result.attributes).success).toBe(true);
    const noPassword = await probeDarwinDevice(
      notSet({ "/usr/sbin/sysadminctl -screenLock status": { stderr: f("sysadminctl-screenlock-off.txt") } }),
    );
    expect(noPassword.result.attributes.screenLock).toEqual({
      mechanism: "macos",
      enabled: false,
      requirePassword: false,
    });
  });

  it("CriticalUpdateInstall nobody set stays unset (Apple's default is DEV-PATCH-002's to state)", async () => {
    const key = "/usr/bin/defaults read /Library/Preferences/com.apple.SoftwareUpdate CriticalUpdateInstall";
    const notSet = await probeDarwinDevice(
      macbook({ [key]: absent("/Library/Preferences/com.apple.SoftwareUpdate", "CriticalUpdateInstall") }),
    );
    expect(notSet.result.attributes.updates?.automatic).toBeUndefined();
    expect(notSet.result.attributes.updates?.automaticMechanism).toBe(
      "softwareupdate schedule (CriticalUpdateInstall not set)",
    );
    expect(notSet.result.unreadable["updates.automatic"]).toBeUndefined();
    expect(DeviceFactsSchema.safeParse(notSet.result.attributes).success).toBe(true);
    const off = await probeDarwinDevice(macbook({ [key]: { stdout: "0\n" } }));
    expect(off.result.attributes.updates?.automatic).toBe(false);
    const noChecking = await probeDarwinDevice(
      macbook({
        "/usr/sbin/softwareupdate --schedule": { stdout: f("softwareupdate-schedule-off.txt") },
        [key]: absent("/Library/Preferences/com.apple.SoftwareUpdate", "CriticalUpdateInstall"),
      }),
    );
    expect(noChecking.result.attributes.updates?.automatic).toBe(false);
    const odd = await probeDarwinDevice(macbook({ [key]: { stdout: "maybe\n" } }));
    expect(odd.result.attributes.updates?.automatic).toBeUndefined();
    expect(odd.result.attributes.updates?.pending).toBe(3);
    expect(odd.result.unreadable["updates.automatic"]).toBe('CriticalUpdateInstall: not a boolean: "maybe"');
  });

  it("a fully patched Ventura Mac offered only Sonoma (recorded) has no pending security update", async () => {
    const ventura = (extra: Record<string, Recording> = {}) =>
      macbook({
        "/usr/bin/sw_vers": {
          stdout: "ProductName:\t\tmacOS\nProductVersion:\t\t13.6\nBuildVersion:\t\t22G120\n",
        },
        "/usr/sbin/softwareupdate -l": { stdout: f("softwareupdate-list-only-major-upgrade.txt") },
        ...extra,
      });
    const { result } = await probeDarwinDevice(ventura());
    expect(result.attributes.updates).toMatchObject({
      pending: 0,
      pendingSecurity: 0,
      rebootRequired: false,
    });
    expect(result.sources.updates).toMatch(/major upgrades not counted: macOS Sonoma 14\.0/);
    // The same Mac one point release behind: 13.6 is a security update, Sonoma still is not.
    const behind = await probeDarwinDevice(
      ventura({
        "/usr/bin/sw_vers": {
          stdout: "ProductName:\t\tmacOS\nProductVersion:\t\t13.5.2\nBuildVersion:\t\t22G91\n",
        },
        "/usr/sbin/softwareupdate -l": { stdout: f("softwareupdate-list-ventura-sonoma-offered.txt") },
      }),
    );
    expect(behind.result.attributes.updates).toMatchObject({
      pending: 2,
      pendingSecurity: 1,
      rebootRequired: true,
    });
    // Without the running version an offered macOS cannot be classified: error, never a pass.
    const blind = await probeDarwinDevice(
      ventura({ "/usr/bin/sw_vers": { code: 1, stderr: "sw_vers: denied\n" } }),
    );
    expect(blind.result.attributes.updates).toBeUndefined();
    expect(blind.result.unreadable.updates).toMatch(/sw_vers.*cannot be told from a major upgrade/);
  });

  it("a listing that announces updates it cannot read is an error naming the command and the text", async () => {
    const { result } = await probeDarwinDevice(
      macbook({
        "/usr/sbin/softwareupdate -l": {
          stdout:
            "Software Update found the following new or updated software:\n   ~ macOS Sonoma 14.7.1 (restart)\n",
        },
      }),
    );
    expect(result.attributes.updates).toBeUndefined();
    expect(result.unreadable.updates).toBe(
      "/usr/sbin/softwareupdate -l: announced new software but listed no item in a known format",
    );
  });

  it("FileVault enabled only after the next restart is not encrypted yet", async () => {
    const { result } = await probeDarwinDevice(
      macbook({ "/usr/bin/fdesetup status": { stdout: f("fdesetup-deferred.txt") } }),
    );
    expect(result.attributes.diskEncryption).toMatchObject({ systemVolumeEncrypted: false, method: "none" });
    const odd = await probeDarwinDevice(
      macbook({ "/usr/bin/fdesetup status": { stdout: "FileVault is Pending.\n" } }),
    );
    expect(odd.result.unreadable.diskEncryption).toBe(
      '/usr/bin/fdesetup status: unexpected output: "FileVault is Pending."',
    );
  });

  it("screen lock from sysadminctl's float delays (recorded): 300 s, and -1 meaning no password", async () => {
    const on = await probeDarwinDevice(
      macbook({
        "/usr/sbin/sysadminctl -screenLock status": { stderr: f("sysadminctl-screenlock-300-float.txt") },
      }),
    );
    expect(on.result.attributes.screenLock).toEqual({
      mechanism: "macos",
      enabled: true,
      idleSeconds: 900,
      requirePassword: true,
    });
    const off = await probeDarwinDevice(
      macbook({
        "/usr/sbin/sysadminctl -screenLock status": { stderr: f("sysadminctl-screenlock-off-float.txt") },
      }),
    );
    expect(off.result.attributes.screenLock).toEqual({
      mechanism: "macos",
      enabled: false,
      requirePassword: false,
    });
    const odd = await probeDarwinDevice(
      macbook({ "/usr/sbin/sysadminctl -screenLock status": { stderr: "screenLock delay is soon\n" } }),
    );
    expect(odd.result.unreadable.screenLock).toBe(
      '/usr/sbin/sysadminctl -screenLock status: unexpected output: "screenLock delay is soon"',
    );
  });

  it("an unmanaged Mac's built-in FDE password policy is no strength checker (DEV-PWD-002 must not pass)", async () => {
    const { result } = await probeDarwinDevice(
      macbook({ "/usr/bin/pwpolicy -getaccountpolicies": { stdout: f("pwpolicy-default-fde.txt") } }),
    );
    expect(result.attributes.password).toEqual({ minLength: 4, qualityModule: "none" });
    const mdm = await probeDarwinDevice(
      macbook({ "/usr/bin/pwpolicy -getaccountpolicies": { stdout: f("pwpolicy-mdm-minlength.txt") } }),
    );
    expect(mdm.result.attributes.password).toEqual({ minLength: 7, qualityModule: "pwpolicy" });
  });

  it("account lockout from pwpolicy: the legacy maxFailedLoginAttempts, Apple's default (none), an unreadable tool", async () => {
    const { result } = await probeDarwinDevice(macbook());
    expect(result.attributes.lockout).toEqual({ maxAttempts: 10, unlockSeconds: 900, mechanism: "pwpolicy" });
    const stock = await probeDarwinDevice(
      macbook({ "/usr/bin/pwpolicy -getaccountpolicies": { stdout: f("pwpolicy-default-fde.txt") } }),
    );
    expect(stock.result.attributes.lockout).toEqual({ maxAttempts: 0, mechanism: "none" });
    const denied = await probeDarwinDevice(
      macbook({ "/usr/bin/pwpolicy -getaccountpolicies": { code: 1, stderr: "Error: permission denied\n" } }),
    );
    expect(denied.result.attributes.lockout).toBeUndefined();
    expect(denied.result.unreadable.lockout).toMatch(/permission denied/);
  });

  it("MDM enrolment from profiles status (recorded ADE enrolment; not enrolled; enrolled but not user approved)", async () => {
    const { result } = await probeDarwinDevice(macbook());
    expect(result.attributes.mdm).toEqual({
      enrolled: true,
      provider: "mdmserver:8443",
      automatedEnrollment: true,
      userApproved: true,
    });
    expect(result.sources.mdm).toBe("cmd: profiles status -type enrollment");
    const none = await probeDarwinDevice(
      macbook({ "/usr/bin/profiles status -type enrollment": { stdout: f("profiles-enrollment-none.txt") } }),
    );
    expect(none.result.attributes.mdm).toEqual({
      enrolled: false,
      automatedEnrollment: false,
      userApproved: false,
    });
    const manual = await probeDarwinDevice(
      macbook({
        "/usr/bin/profiles status -type enrollment": { stdout: f("profiles-enrollment-not-approved.txt") },
      }),
    );
    expect(manual.result.attributes.mdm).toEqual({
      enrolled: true,
      provider: "acme.jamfcloud.com",
      automatedEnrollment: false,
      userApproved: false,
    });
    const old = await probeDarwinDevice(
      macbook({
        "/usr/bin/profiles status -type enrollment": {
          stdout: "An enrollment profile is currently installed on this system\n",
        },
      }),
    );
    expect(old.result.attributes.mdm).toBeUndefined();
    expect(old.result.unreadable.mdm).toMatch(/unexpected output/);
  });

  it("XProtect on macOS 15 is read from /var/protected/xprotect when it is newer than the legacy bundle", async () => {
    const now = new Date(2024, 7, 14, 10, 12, 33);
    const modern = "/var/protected/xprotect/XProtect.bundle/Contents/Info.plist";
    const base = macbook({
      [`/usr/bin/defaults read ${modern.replace(/\.plist$/, "")} CFBundleShortVersionString`]: {
        stdout: "5287\n",
      },
      [`/usr/bin/defaults read ${XPROTECT.replace(/\.plist$/, "")} CFBundleShortVersionString`]: {
        stdout: "5272\n",
      },
    });
    const host = {
      ...base,
      mtime: async (path: string) =>
        path === modern
          ? now.getTime() - 2 * 3_600_000
          : path === XPROTECT
            ? now.getTime() - 900 * 3_600_000
            : undefined,
    };
    const { result } = await probeDarwinDevice(host);
    expect(result.attributes.malware).toMatchObject({ product: "XProtect 5287", signatureAgeHours: 2 });
    expect(result.sources.malware).toBe(`file: ${modern}`);
  });

  it("builds the device resource keyed by the hardware UUID", async () => {
    const resource = ResourceSchema.parse(await collectDarwinDevice(macbook()));
    expect(resource).toMatchObject({
      uid: "device:5a2c39e4-8c1b-5f4e-9e6b-3b1d7c2a9f10",
      type: "device",
      name: "alices-macbook.local",
      tags: { uidSource: "hardware" },
    });
    expect(resource.attributes.hostname).toBe("alices-macbook.local");
    // No hostname read: the resource is named by its uid (a read identifier), never a made-up "unknown".
    const nameless = ResourceSchema.parse(
      await collectDarwinDevice(macbook({ "/bin/hostname": { code: 1, stderr: "hostname: error\n" } })),
    );
    expect(nameless.name).toBe("device:5a2c39e4-8c1b-5f4e-9e6b-3b1d7c2a9f10");
    expect(nameless.attributes.hostname).toBeUndefined();
    expect(nameless.unreadable.hostname).toMatch(/hostname/);
    // An unreadable OS version costs the os facts only: the Mac is still identified and reported.
    const noVersion = ResourceSchema.parse(
      await collectDarwinDevice(macbook({ "/usr/bin/sw_vers": { code: 1, stderr: "sw_vers: failed\n" } })),
    );
    expect(noVersion.uid).toBe("device:5a2c39e4-8c1b-5f4e-9e6b-3b1d7c2a9f10");
    expect(noVersion.attributes.os).toBeUndefined();
    expect(noVersion.unreadable.os).toMatch(/no ProductVersion/);
    // No made-up shared id (device:unknown would mix agents' findings in the store): an explicit error.
    await expect(
      collectDarwinDevice(macbook({ "/usr/sbin/ioreg -rd1 -c IOPlatformExpertDevice": { code: 1 } })),
    ).rejects.toMatchObject({
      code: "DEVICE_ID_UNREADABLE",
      message: expect.stringMatching(/could not identify this device \(.*ioreg/),
    });
  });
});
