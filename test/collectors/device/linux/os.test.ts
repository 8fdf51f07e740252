import { describe, expect, it } from "vitest";
import { deviceIdentity, type SiOsInfo, type SiUuid } from "../../../../src/collectors/device/linux/os.js";
import { recorded } from "./helpers.js";

const si = (distro: string) => ({
  os: JSON.parse(recorded(distro, "si-osinfo.json")) as SiOsInfo,
  uuid: JSON.parse(recorded(distro, "si-uuid.json")) as SiUuid,
});

describe("deviceIdentity (systeminformation osInfo + uuid)", () => {
  it("Ubuntu 22.04 laptop: hardware UUID (lower-cased) is the identity", () => {
    const { os, uuid } = si("ubuntu2204");
    expect(deviceIdentity(os, uuid, undefined)).toEqual({
      os: {
        platform: "linux",
        distro: "Ubuntu",
        release: "22.04.4 LTS",
        codename: "Jammy Jellyfish",
        kernel: "5.15.0-106-generic",
        arch: "x64",
      },
      hostname: "alice-laptop",
      hardwareUuid: "4c4c4544-0051-3510-8052-b4c04f564433",
      uidSource: "hardware",
    });
  });

  it("RHEL 9 VM with an all-zero SMBIOS UUID falls back to /etc/machine-id", () => {
    const { os, uuid } = si("rhel9");
    const id = deviceIdentity(os, uuid, recorded("rhel9", "machine-id"));
    expect(id).toMatchObject({ hardwareUuid: "a1b2c3d4e5f60718293a4b5c6d7e8f90", uidSource: "machine-id" });
    expect(id?.os.distro).toBe("Red Hat Enterprise Linux");
  });

  it("Fedora 40 without a codename leaves it out", () => {
    const { os, uuid } = si("fedora40");
    expect(deviceIdentity(os, uuid, undefined)?.os).not.toHaveProperty("codename");
  });

  it("no hardware UUID and no machine-id: no identity", () => {
    const { os } = si("ubuntu2404");
    expect(deviceIdentity(os, { os: "", hardware: "" }, undefined)).toBeUndefined();
  });
});
