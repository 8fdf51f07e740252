import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  probeHardware,
  type SystemReader,
  type SystemReading,
} from "../../../src/collectors/device/hardware.js";

/** A recorded systeminformation `system()` answer (test/fixtures/device/hardware, sources in its README). */
function answer(name: string): SystemReading {
  return JSON.parse(readFileSync(join("test", "fixtures", "device", "hardware", `${name}.json`), "utf8"));
}

function host(reading: SystemReading | Error, over: Partial<SystemReader> = {}): { system: SystemReader } {
  return {
    system: {
      platform: "linux",
      privileged: true,
      async read() {
        if (reading instanceof Error) throw reading;
        return reading;
      },
      ...over,
    },
  };
}

describe("hardware probe (systeminformation system())", () => {
  it("reports manufacturer, model and serial read as root from the firmware", async () => {
    const result = await probeHardware(host(answer("dell-latitude-root")));
    expect(result.attributes.hardware).toEqual({
      manufacturer: "Dell Inc.",
      model: "Latitude 5430",
      serial: "ABC1234",
    });
    expect(result.sources.hardware).toBe("systeminformation: system()");
    expect(result.unreadable).toEqual({});
  });

  it("macOS: the documented MacBook Pro answer", async () => {
    const result = await probeHardware(host(answer("macbookpro-root"), { platform: "darwin" }));
    expect(result.attributes.hardware).toEqual({
      manufacturer: "Apple Inc.",
      model: "MacBookPro13,2",
      serial: "C01xxxxxxxx",
    });
  });

  it("Linux without root: no serial (systeminformation's '-' is not a serial), named unreadable with the reason", async () => {
    const result = await probeHardware(host(answer("dell-latitude-nonroot"), { privileged: false }));
    expect(result.attributes.hardware).toEqual({ manufacturer: "Dell Inc.", model: "Latitude 5490" });
    expect(result.attributes.hardware).not.toHaveProperty("serial");
    expect(result.unreadable["hardware.serial"]).toMatch(/readable only by root/);
  });

  it("a container: systeminformation's defaults and guesses are not hardware; the group is unreadable", async () => {
    const result = await probeHardware(host(answer("container-debian12")));
    expect(result.attributes.hardware).toBeUndefined();
    expect(result.unreadable.hardware).toMatch(/container.*no firmware \(SMBIOS\) tables/);
  });

  it("SMBIOS placeholders vendors leave in the firmware are absent, not values", async () => {
    const result = await probeHardware(
      host({
        manufacturer: "System manufacturer",
        model: "To Be Filled By O.E.M.",
        serial: "System Serial Number",
        virtual: true,
        virtualHost: "KVM",
      }),
    );
    expect(result.attributes.hardware).toBeUndefined();
    expect(result.unreadable.hardware).toMatch(/firmware reports no model \(virtual machine, KVM\)/);
  });

  it("a failed read is the group unreadable with the error, never a throw", async () => {
    const result = await probeHardware(host(new Error("spawn dmidecode EACCES")));
    expect(result.attributes.hardware).toBeUndefined();
    expect(result.unreadable.hardware).toMatch(/system\(\) failed: spawn dmidecode EACCES/);
  });
});
