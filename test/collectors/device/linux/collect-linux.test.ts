import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectLinuxDevice } from "../../../../src/collectors/device/linux/index.js";
import { DeviceFactsSchema } from "../../../../src/core/facts/device.js";
import { ResourceSchema } from "../../../../src/core/resource.js";
import { fakeHost, recorded } from "./helpers.js";

const recordedHardware = (name: string) =>
  readFileSync(join("test", "fixtures", "device", "hardware", name), "utf8");

/** The whole Linux collector over a recorded Ubuntu 22.04 laptop: every probe's facts merge into one resource. */
describe("collectLinuxDevice on a recorded Ubuntu 22.04 laptop", () => {
  const DPKG_QUERY = ["dpkg-query", "-W", "-f", "$" + "{db:Status-Status}", "unattended-upgrades"].join(" ");
  const host = fakeHost({
    now: new Date("2024-05-20T10:00:00Z"),
    commands: {
      "lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINT": { stdout: recorded("ubuntu2204", "lsblk.json") },
      "dmsetup table --target crypt": { stdout: recorded("ubuntu2204", "dmsetup-table-crypt.txt") },
      "ufw status verbose": { stdout: recorded("ubuntu2204", "ufw-status-verbose.txt") },
      "apt-get -s -q -o Debug::NoLocking=true dist-upgrade": {
        stdout: recorded("ubuntu2204", "apt-get-s-dist-upgrade.txt"),
      },
      "apt-config dump": { stdout: recorded("ubuntu2204", "apt-config-dump.txt") },
      [DPKG_QUERY]: { stdout: "installed" },
      "/usr/sbin/sshd -T": { stdout: recorded("ubuntu2204", "sshd-T.txt") },
      "loginctl list-sessions --no-legend": { stdout: recorded("ubuntu2204", "loginctl-list-sessions.txt") },
      "loginctl show-session 2 c1 -p Id -p Type -p Name -p User -p Active": {
        stdout: recorded("ubuntu2204", "loginctl-show-session.txt"),
      },
      "gsettings get org.gnome.desktop.screensaver lock-enabled": {
        stdout: recorded("ubuntu2204", "gsettings-lock-enabled.txt"),
      },
      "gsettings get org.gnome.desktop.session idle-delay": {
        stdout: recorded("ubuntu2204", "gsettings-idle-delay.txt"),
      },
      "gsettings get org.gnome.desktop.screensaver lock-delay": {
        stdout: recorded("ubuntu2204", "gsettings-lock-delay.txt"),
      },
      "modprobe -n -v usb-storage": { stdout: recorded("ubuntu2204", "modprobe-n-v-usb-storage.txt") },
      "timedatectl show": { stdout: recorded("ubuntu2204", "timedatectl-show.txt") },
    },
    files: {
      "/etc/os-release": recorded("ubuntu2204", "os-release"),
      "/sys/class/dmi/id/product_uuid": recorded("ubuntu2204", "product_uuid"),
      "/proc/mounts": recorded("ubuntu2204", "proc-mounts.txt"),
      "/proc/modules": recorded("ubuntu2204", "proc-modules.txt"),
      "/sys/bus/usb": "",
      "/usr/bin/apt-get": "",
      "/usr/sbin/sshd": "",
      "/etc/login.defs": recorded("ubuntu2204", "login.defs"),
      "/etc/pam.d/common-password": recorded("ubuntu2204", "pam-common-password"),
      "/etc/pam.d/common-auth": recorded("pam-lockout", "common-auth-ubuntu"),
      "/etc/security/pwquality.conf": recorded("ubuntu2204", "pwquality.conf"),
      "/etc/modprobe.d/usb-storage.conf": recorded("ubuntu2204", "modprobe.d/usb-storage.conf"),
      "/etc/passwd": recorded("ubuntu2204", "passwd"),
      "/etc/shadow": recorded("ubuntu2204", "shadow"),
      "/etc/group": recorded("ubuntu2204", "group"),
    },
    dirs: { "/etc/modprobe.d": ["usb-storage.conf"] },
    processes: ["systemd", "sshd", "gnome-shell", "Xwayland", "systemd-timesyn"],
    system: JSON.parse(recordedHardware("dell-latitude-root.json")),
  });

  it("builds one resource that the Resource and device facts schemas accept, every fact with a source", async () => {
    const resource = ResourceSchema.parse(await collectLinuxDevice(host));
    expect(resource.uid).toBe("device:4c4c4544-0051-3510-8052-b4c04f564433");
    expect(resource.tags).toEqual({ uidSource: "hardware" });
    expect(DeviceFactsSchema.parse(resource.attributes)).toEqual(resource.attributes);
    expect(Object.keys(resource.attributes).filter((k) => !resource.sources[k])).toEqual([]);
    expect(resource.unreadable).toEqual({});
    // Ubuntu's stock auth stack has no pam_faillock; no MDM agent, so no MDM fact at all.
    expect(resource.attributes.lockout).toEqual({ maxAttempts: 0, mechanism: "none" });
    expect(resource.attributes.mdm).toBeUndefined();
    expect(resource.attributes).toMatchObject({
      hardware: { manufacturer: "Dell Inc.", model: "Latitude 5430", serial: "ABC1234" },
      diskEncryption: { systemVolumeEncrypted: true, method: "luks" },
      firewall: { enabled: true, backend: "ufw", defaultInboundPolicy: "deny" },
      updates: { manager: "apt", pending: 5, pendingSecurity: 3, automatic: true, rebootRequired: false },
      ssh: {
        serverInstalled: true,
        serverRunning: true,
        permitRootLogin: "prohibit-password",
        passwordAuthentication: false,
      },
      password: { maxAgeDays: 90, minLength: 12, qualityModule: "pam_pwquality" },
      desktopSession: true,
      screenLock: { enabled: true, idleSeconds: 330 },
      malware: { installed: false, running: false },
      removableMedia: { usbStorageBlocked: true },
      timeSync: { active: true, service: "systemd-timesyncd", synchronized: true },
      accounts: { emptyPasswordUsers: ["bob"], extraUidZeroUsers: [], localAdmins: ["alice"] },
      backup: { configured: false },
    });
  });

  it("a probe that throws costs only its own fact group", async () => {
    const broken = {
      ...host,
      read: async (path: string) =>
        path === "/etc/passwd" ? Promise.reject(new Error("disk on fire")) : host.read(path),
    };
    const resource = await collectLinuxDevice(broken);
    expect(resource.unreadable?.accounts).toBe("probe failed: disk on fire");
    expect(resource.attributes.firewall).toBeDefined();
  });

  it("a device with no readable hardware UUID and no machine-id is an explicit error, never device:unknown", async () => {
    const anonymous = {
      ...host,
      read: async (path: string) =>
        path === "/sys/class/dmi/id/product_uuid" || path === "/etc/machine-id"
          ? Promise.reject(new Error("ENOENT: no such file"))
          : host.read(path),
    };
    await expect(collectLinuxDevice(anonymous)).rejects.toMatchObject({
      code: "DEVICE_ID_UNREADABLE",
      message: expect.stringContaining("could not identify this device"),
    });
  });
});
