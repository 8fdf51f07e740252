import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deviceCollector } from "../../../src/collectors/device/index.js";
import { DeviceFactsSchema } from "../../../src/core/facts/device.js";
import type { CollectorError } from "../../../src/core/report.js";
import { type Resource, ResourceSchema } from "../../../src/core/resource.js";

/**
 * The real collector on the machine running the tests (Linux only: this project's CI is Debian 12).
 * No mocks: real commands, real files. It checks the contract, not this machine's particular answers.
 */
describe.runIf(process.platform === "linux")("device collector on this Linux machine", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "assay-device-cache-"));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  async function collectOnce(): Promise<{ resources: Resource[]; errors: CollectorError[] }> {
    const resources: Resource[] = [];
    const errors: CollectorError[] = [];
    await deviceCollector.collect({
      settings: { cacheDir },
      now: new Date(),
      signal: new AbortController().signal,
      emit: (r) => resources.push(ResourceSchema.parse(r)),
      reportError: (e) => errors.push({ ...e, resourceTypes: e.resourceTypes ?? [] }),
      progress: () => {},
    });
    return { resources, errors };
  }

  it("emits one device resource whose facts match the schema, each top-level fact with its source", {
    timeout: 90_000,
  }, async () => {
    const { resources, errors } = await collectOnce();
    expect(errors).toEqual([]);
    expect(resources).toHaveLength(1);
    const device = resources[0] as Resource;
    expect(device.type).toBe("device");
    expect(device.provider).toBe("device");
    expect(device.uid).toMatch(/^device:[0-9a-f-]{32,36}$/);
    expect(device.attributes.hardwareUuid).toBe(device.uid.slice("device:".length));

    const facts = DeviceFactsSchema.safeParse(device.attributes);
    expect(facts.success, JSON.stringify(facts.error?.issues)).toBe(true);

    for (const key of Object.keys(device.attributes)) {
      expect(device.sources[key], `source of ${key}`).toMatch(/^(cmd|file|proc|dir|kernel)/);
    }
    // every fact group the issue asks for is either read or named as unreadable with a reason
    for (const group of [
      "os",
      "diskEncryption",
      "firewall",
      "updates",
      "ssh",
      "password",
      "desktopSession",
      "malware",
      "removableMedia",
      "timeSync",
      "accounts",
    ]) {
      const known =
        group in device.attributes ||
        Object.keys(device.unreadable).some((k) => k === group || k.startsWith(`${group}.`));
      expect(known, `fact group ${group}`).toBe(true);
    }
    for (const reason of Object.values(device.unreadable)) expect(reason.length).toBeGreaterThan(5);
    expect(device.attributes.os).toMatchObject({ platform: "linux" });
  });

  it("the second scan reuses the apt/dnf result while the package state is unchanged", {
    timeout: 90_000,
  }, async () => {
    const { resources } = await collectOnce();
    const device = resources[0] as Resource;
    if ("updates" in device.attributes) expect(device.sources.updates).toMatch(/reused/);
    else expect(device.unreadable.updates).toBeDefined();
  });
});

describe("device collector on other platforms", () => {
  it("reports 'platform not supported yet' as a collector error for the device type instead of crashing", async () => {
    const original = process.platform;
    Object.defineProperty(process, "platform", { value: "aix" });
    try {
      const errors: CollectorError[] = [];
      const emitted: unknown[] = [];
      await deviceCollector.collect({
        settings: undefined,
        now: new Date(),
        signal: new AbortController().signal,
        emit: (r) => emitted.push(r),
        reportError: (e) => errors.push({ ...e, resourceTypes: e.resourceTypes ?? [] }),
        progress: () => {},
      });
      expect(emitted).toEqual([]);
      expect(errors).toEqual([
        expect.objectContaining({
          code: "PLATFORM_UNSUPPORTED",
          resourceTypes: ["device"],
          message: expect.stringContaining("platform not supported yet"),
        }),
      ]);
    } finally {
      Object.defineProperty(process, "platform", { value: original });
    }
  });

  it("rejects invalid device settings with a collector error", async () => {
    const errors: CollectorError[] = [];
    await deviceCollector.collect({
      settings: { timeoutMs: "soon" },
      now: new Date(),
      signal: new AbortController().signal,
      emit: () => {},
      reportError: (e) => errors.push({ ...e, resourceTypes: e.resourceTypes ?? [] }),
      progress: () => {},
    });
    expect(errors[0]?.code).toBe("SETTINGS_INVALID");
  });

  it("refuses invalid device settings before any collector runs, naming the setting", () => {
    expect(() => deviceCollector.checkSettings?.({ timeoutMs: "soon" })).toThrow(
      /the device settings are not valid, so nothing was scanned:\n {2}device\.timeoutMs: /,
    );
    expect(() => deviceCollector.checkSettings?.({ cacheDirectory: "/tmp" })).toThrow(
      /device: unknown setting "cacheDirectory"/,
    );
    expect(() => deviceCollector.checkSettings?.(undefined)).not.toThrow();
  });
});
