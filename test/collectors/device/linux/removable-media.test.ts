import { describe, expect, it } from "vitest";
import {
  decideRemovableMedia,
  parseModprobeConfigs,
  parseModprobeDryRun,
  probeRemovableMedia,
  usbStorageLoaded,
} from "../../../../src/collectors/device/linux/removable-media.js";
import { fakeHost, recorded } from "./helpers.js";

describe("removable media parsers", () => {
  it("Ubuntu 22.04: install usb-storage /bin/false in modprobe.d, named with its file", () => {
    const config = parseModprobeConfigs(
      new Map([
        ["/etc/modprobe.d/blacklist.conf", recorded("ubuntu2204", "modprobe.d/blacklist.conf")],
        ["/etc/modprobe.d/usb-storage.conf", recorded("ubuntu2204", "modprobe.d/usb-storage.conf")],
      ]),
    );
    expect(config).toEqual({
      installDenied: "install usb-storage /bin/false (/etc/modprobe.d/usb-storage.conf)",
      blacklisted: "blacklist usb-storage (/etc/modprobe.d/usb-storage.conf)",
    });
  });

  it("RHEL 9 CIS style: usb_storage spelled with an underscore and /usr/bin/true", () => {
    expect(
      parseModprobeConfigs(
        new Map([["/etc/modprobe.d/cis-usb.conf", recorded("rhel9", "modprobe.d/cis-usb.conf")]]),
      ).installDenied,
    ).toContain("/usr/bin/true");
  });

  it("modprobe -n -v: install /bin/false vs insmod", () => {
    expect(parseModprobeDryRun(recorded("ubuntu2204", "modprobe-n-v-usb-storage.txt"), "")).toBe("denied");
    expect(parseModprobeDryRun(recorded("ubuntu2404", "modprobe-n-v-usb-storage.txt"), "")).toBe("loadable");
    expect(
      parseModprobeDryRun(
        "",
        "modprobe: FATAL: Module usb-storage not found in directory /lib/modules/6.1.0-18-amd64\n",
      ),
    ).toBe("not-found");
  });

  it("/proc/modules: loaded on Ubuntu 24.04 (uas pulled it in), not on 22.04", () => {
    expect(usbStorageLoaded(recorded("ubuntu2404", "proc-modules.txt"))).toBe(true);
    expect(usbStorageLoaded(recorded("ubuntu2204", "proc-modules.txt"))).toBe(false);
  });

  it("a loaded driver is not blocked whatever the configuration says", () => {
    expect(
      decideRemovableMedia({
        config: { blacklisted: "blacklist usb-storage (x)" },
        loaded: true,
        usbBus: true,
      }),
    ).toEqual({
      usbStorageBlocked: false,
      mechanism: "usb_storage module is loaded",
    });
  });

  it("no configuration and a loadable driver: not blocked", () => {
    expect(
      decideRemovableMedia({
        config: {},
        dryRun: "loadable",
        loaded: false,
        usbBus: true,
        driverAvailable: true,
      }),
    ).toEqual({ usbStorageBlocked: false });
  });

  it("a kernel without USB at all (this VM) blocks it, and says why", () => {
    expect(decideRemovableMedia({ config: {}, loaded: false, usbBus: false })).toEqual({
      usbStorageBlocked: true,
      mechanism: "the running kernel has no USB support (/sys/bus/usb absent)",
    });
  });
});

describe("probeRemovableMedia", () => {
  it("reads modprobe.d and the dry run", async () => {
    const r = await probeRemovableMedia(
      fakeHost({
        files: {
          "/etc/modprobe.d/usb-storage.conf": recorded("ubuntu2204", "modprobe.d/usb-storage.conf"),
          "/proc/modules": recorded("ubuntu2204", "proc-modules.txt"),
          "/sys/bus/usb": "",
        },
        dirs: { "/etc/modprobe.d": ["usb-storage.conf", "README"] },
        commands: { "modprobe -n -v usb-storage": { stdout: "install /bin/false\n" } },
      }),
    );
    expect(r.attributes.removableMedia).toEqual({
      usbStorageBlocked: true,
      mechanism: "install usb-storage /bin/false (/etc/modprobe.d/usb-storage.conf)",
    });
    expect(r.sources.removableMedia).toContain("cmd: modprobe -n -v usb-storage");
  });
});
