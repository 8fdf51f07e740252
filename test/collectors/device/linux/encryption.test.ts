import { describe, expect, it } from "vitest";
import {
  parseDmsetupCrypt,
  parseEncryption,
  parseProcMounts,
  probeEncryption,
} from "../../../../src/collectors/device/linux/encryption.js";
import { fakeHost, recorded } from "./helpers.js";

function decide(distro: string, withDmsetup = true) {
  let dm = "";
  if (withDmsetup) {
    try {
      dm = recorded(distro, "dmsetup-table-crypt.txt");
    } catch {
      dm = "";
    }
  }
  return parseEncryption(recorded(distro, "lsblk.json"), recorded(distro, "proc-mounts.txt"), dm);
}

describe("parseEncryption (lsblk -J + /proc/mounts + dmsetup)", () => {
  it("Debian 12 VM (recorded on this machine): plain ext4 root is not encrypted", () => {
    const r = decide("debian12");
    expect(r).toEqual({
      value: {
        systemVolumeEncrypted: false,
        method: "none",
        volumes: [{ mount: "/", device: "/dev/vda", encrypted: false }],
      },
    });
  });

  it("Ubuntu 22.04: LVM on LUKS root is encrypted with the cipher from dmsetup; /boot is not", () => {
    const r = decide("ubuntu2204");
    if (!("value" in r)) throw new Error(r.unreadable);
    expect(r.value.systemVolumeEncrypted).toBe(true);
    expect(r.value.method).toBe("luks");
    const root = r.value.volumes.find((v) => v.mount === "/");
    expect(root).toEqual({
      mount: "/",
      device: "/dev/mapper/ubuntu--vg-ubuntu--lv",
      encrypted: true,
      method: "luks aes-xts-plain64",
    });
    expect(r.value.volumes.find((v) => v.mount === "/boot")?.encrypted).toBe(false);
    // snap squashfs loops are block devices but live under /snap and are ignored
    expect(r.value.volumes.some((v) => v.mount.startsWith("/snap"))).toBe(false);
  });

  it("Ubuntu 24.04: /dev/root alias resolves through lsblk's mount point, unencrypted", () => {
    const r = decide("ubuntu2404");
    if (!("value" in r)) throw new Error(r.unreadable);
    expect(r.value.systemVolumeEncrypted).toBe(false);
    expect(r.value.volumes.find((v) => v.mount === "/")?.device).toBe("/dev/sda1");
    expect(r.value.volumes.find((v) => v.mount === "/mnt/data")).toEqual({
      mount: "/mnt/data",
      device: "/dev/sdb",
      encrypted: false,
    });
  });

  it("RHEL 9: root and /home on LVM inside LUKS are encrypted, swap is not listed as a mount", () => {
    const r = decide("rhel9");
    if (!("value" in r)) throw new Error(r.unreadable);
    expect(r.value.method).toBe("luks");
    expect(
      r.value.volumes
        .filter((v) => v.encrypted)
        .map((v) => v.mount)
        .sort(),
    ).toEqual(["/", "/home"]);
    expect(r.value.volumes.some((v) => v.mount === "[SWAP]")).toBe(false);
  });

  it("Fedora 40: btrfs subvolumes directly on a LUKS mapping (no dmsetup answer: method without cipher)", () => {
    const r = decide("fedora40", false);
    if (!("value" in r)) throw new Error(r.unreadable);
    expect(r.value.systemVolumeEncrypted).toBe(true);
    expect(r.value.volumes.find((v) => v.mount === "/")).toEqual({
      mount: "/",
      device: "/dev/mapper/luks-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
      encrypted: true,
      method: "luks",
    });
  });

  it("a plain dm-crypt mapping (no LUKS header) is reported as dm-crypt", () => {
    const lsblk = JSON.stringify({
      blockdevices: [
        {
          name: "/dev/sda",
          type: "disk",
          children: [
            {
              name: "/dev/sda2",
              type: "part",
              fstype: null,
              children: [{ name: "/dev/mapper/root", type: "crypt", fstype: "ext4", mountpoint: "/" }],
            },
          ],
        },
      ],
    });
    const r = parseEncryption(lsblk, "/dev/mapper/root / ext4 rw 0 0\n");
    expect(r).toMatchObject({ value: { systemVolumeEncrypted: true, method: "dm-crypt" } });
  });

  it("a container's overlay root cannot be judged: it is a reason, not 'unencrypted'", () => {
    const r = decide("container", false);
    expect(r).toEqual({ unreadable: expect.stringContaining("overlay") });
  });

  it("garbage instead of JSON is a reason, not a crash", () => {
    expect(parseEncryption("lsblk: unknown column", "")).toEqual({
      unreadable: expect.stringContaining("lsblk -J output not understood"),
    });
  });

  it("parses /proc/mounts octal escapes and dmsetup's 'No devices found'", () => {
    expect(parseProcMounts("/dev/sdb1 /media/my\\040disk ext4 rw 0 0\n")).toEqual([
      { device: "/dev/sdb1", mount: "/media/my disk", fstype: "ext4" },
    ]);
    expect(parseDmsetupCrypt("No devices found\n").size).toBe(0);
  });
});

describe("probeEncryption", () => {
  it("names lsblk's failure as the reason when lsblk is missing", async () => {
    const host = fakeHost({ files: { "/proc/mounts": "/dev/vda / ext4 rw 0 0\n" } });
    const r = await probeEncryption(host);
    expect(r.attributes.diskEncryption).toBeUndefined();
    expect(r.unreadable.diskEncryption).toContain(
      "lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINT: not installed",
    );
  });

  it("keeps its sources: lsblk, /proc/mounts and dmsetup when it answered", async () => {
    const host = fakeHost({
      commands: {
        "lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINT": { stdout: recorded("rhel9", "lsblk.json") },
        "dmsetup table --target crypt": { stdout: recorded("rhel9", "dmsetup-table-crypt.txt") },
      },
      files: { "/proc/mounts": recorded("rhel9", "proc-mounts.txt") },
    });
    const r = await probeEncryption(host);
    expect(r.attributes.diskEncryption?.systemVolumeEncrypted).toBe(true);
    expect(r.sources.diskEncryption).toBe(
      "cmd: lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINT; file: /proc/mounts; cmd: dmsetup table --target crypt",
    );
  });
});
