import { describe, expect, it } from "vitest";
import { deviceIdentity, parseOsRelease, probeIdentity } from "../../../../src/collectors/device/linux/os.js";
import { deviceName } from "../../../../src/collectors/device/probe.js";
import { fakeHost, recorded } from "./helpers.js";

const kernel = { kernel: "5.15.0-106-generic", arch: "x64", hostname: "alice-laptop" };

describe("parseOsRelease", () => {
  it.each([
    ["debian12", { distro: "Debian GNU/Linux", release: "12", codename: "bookworm" }],
    ["ubuntu2204", { distro: "Ubuntu", release: "22.04", codename: "jammy" }],
    ["ubuntu2404", { distro: "Ubuntu", release: "24.04", codename: "noble" }],
    ["rhel9", { distro: "Red Hat Enterprise Linux", release: "9.4" }],
    // VERSION_CODENAME="" (Fedora) is no codename
    ["fedora40", { distro: "Fedora Linux", release: "40" }],
  ])("%s", (distro, expected) => {
    expect(parseOsRelease(recorded(distro, "os-release"))).toEqual(expected);
  });

  it("a rolling release without VERSION_ID or VERSION has no release (not a made-up 'unknown')", () => {
    // Arch Linux's os-release (archlinux/filesystem os-release): BUILD_ID=rolling, no VERSION_ID.
    expect(
      parseOsRelease('NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n'),
    ).toEqual({
      distro: "Arch Linux",
    });
  });
});

describe("deviceIdentity", () => {
  it("Ubuntu 22.04 laptop: the SMBIOS UUID (lower-cased) is the identity", () => {
    expect(
      deviceIdentity(
        recorded("ubuntu2204", "os-release"),
        kernel,
        recorded("ubuntu2204", "product_uuid"),
        undefined,
      ),
    ).toEqual({
      os: {
        platform: "linux",
        distro: "Ubuntu",
        release: "22.04",
        codename: "jammy",
        kernel: "5.15.0-106-generic",
        arch: "x64",
      },
      hostname: "alice-laptop",
      hardwareUuid: "4c4c4544-0051-3510-8052-b4c04f564433",
      uidSource: "hardware",
    });
  });

  it("RHEL 9 VM with an all-zero SMBIOS UUID falls back to /etc/machine-id", () => {
    const id = deviceIdentity(
      recorded("rhel9", "os-release"),
      kernel,
      recorded("rhel9", "product_uuid"),
      recorded("rhel9", "machine-id"),
    );
    expect(id).toMatchObject({ hardwareUuid: "a1b2c3d4e5f60718293a4b5c6d7e8f90", uidSource: "machine-id" });
  });

  it("no hardware UUID and no machine-id: no identity", () => {
    expect(deviceIdentity(recorded("ubuntu2404", "os-release"), kernel, undefined, "")).toBeUndefined();
  });
});

describe("probeIdentity", () => {
  it("without root, product_uuid is unreadable: machine-id with the reason in the source", async () => {
    const r = await probeIdentity(
      fakeHost({
        files: {
          "/etc/os-release": recorded("debian12", "os-release"),
          "/sys/class/dmi/id/product_uuid": null,
          "/etc/machine-id": "3d1219c7c4c5404aaa1f6d2a48adfda4\n",
        },
      }),
    );
    expect(r.identity?.hardwareUuid).toBe("3d1219c7c4c5404aaa1f6d2a48adfda4");
    expect(r.result.sources.hardwareUuid).toBe(
      "file: /etc/machine-id (no hardware UUID: /sys/class/dmi/id/product_uuid: permission denied (needs root))",
    );
    expect(r.result.attributes.os).toMatchObject({
      distro: "Debian GNU/Linux",
      release: "12",
      codename: "bookworm",
    });
  });
});

describe("deviceName", () => {
  it("is the hostname read, or else the uid: never a made-up word", () => {
    expect(deviceName("alice-laptop", "device:4c4c4544")).toBe("alice-laptop");
    expect(deviceName("  ", "device:4c4c4544")).toBe("device:4c4c4544");
    expect(deviceName(undefined, "device:4c4c4544")).toBe("device:4c4c4544");
  });
});
