import { describe, expect, it } from "vitest";
import type { Collector } from "../../src/collectors/types.js";
import { DEFAULT_PROFILE, resolveProfile } from "../../src/core/profile.js";
import { ScanReportSchema } from "../../src/core/report.js";
import { loadRules } from "../../src/engine/load.js";
import { planScan } from "../../src/scan/plan.js";
import { runScan } from "../../src/scan/run.js";
import { makeRuleDir } from "../helpers/rule-dir.js";

const rule = (id: string, assert: string) => `id: ${id}
title: Rule ${id} holds
severity: medium
resource: device
policy: device-security
assert: ${assert}
evidence: [firewall.enabled]
remediation: Fix it.
`;

const attributes = { firewall: { enabled: true, backend: "ufw", ruleCount: 2 } };

function fakeCollector(collect: Collector["collect"]): {
  load: () => Promise<Collector>;
  produces: Record<string, string[]>;
} {
  const collector: Collector = {
    name: "fake",
    provider: "device",
    produces: ["device"],
    permissions: [],
    collect,
  };
  return { load: async () => collector, produces: { fake: ["device"], idle: ["aws.s3.bucket"] } };
}

async function ruleSet() {
  const dir = await makeRuleDir({
    "x/TST-001.yaml": rule("TST-001", "resource.attributes.firewall.enabled"),
    "x/TST-002.yaml": rule("TST-002", "resource.attributes.firewall.ruleCount > 5"),
  });
  return { dir, set: await loadRules({ dirs: [dir] }) };
}

describe("planScan", () => {
  it("runs only collectors whose resource types a selected rule reads", async () => {
    const { set } = await ruleSet();
    const plan = planScan(["fake", "idle"], set.rules, { fake: ["device"], idle: ["aws.s3.bucket"] });
    expect(plan.collectors).toEqual(["fake"]);
    expect(plan.idle).toEqual(["idle"]);
    expect(plan.rules.map((r) => r.definition.id)).toEqual(["TST-001", "TST-002"]);
  });
});

describe("runScan", () => {
  it("builds a report: findings, summary, scope, ULID id", async () => {
    const { dir, set } = await ruleSet();
    const source = fakeCollector(async (ctx) => {
      ctx.emit({
        uid: "d1",
        type: "device",
        provider: "device",
        name: "one",
        attributes,
        collectedAt: ctx.now.toISOString(),
      });
    });
    const { report, resourcesByCollector } = await runScan({
      collectors: ["fake"],
      ruleSet: set,
      ruleDirs: [dir],
      collectorSource: source,
    });
    expect(resourcesByCollector).toEqual({ fake: 1 });
    expect(report.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(report.findings.map((f) => `${f.ruleId}:${f.status}`)).toEqual(["TST-001:pass", "TST-002:fail"]);
    expect(report.summary.findings).toEqual({ pass: 1, fail: 1, error: 0, skip: 0, excepted: 0 });
    expect(report.summary.byPolicy["device-security"]?.fail).toBe(1);
    expect(report.scope.collectors).toEqual(["fake"]);
  });

  it("moves facts that break the facts schema to unreadable, so rules reading them are errors", async () => {
    const { dir, set } = await ruleSet();
    const source = fakeCollector(async (ctx) => {
      ctx.emit({
        uid: "d1",
        type: "device",
        provider: "device",
        name: "one",
        attributes: { firewall: { enabled: "yes", backend: "ufw", ruleCount: 2 } },
        collectedAt: ctx.now.toISOString(),
      });
    });
    const { report } = await runScan({
      collectors: ["fake"],
      ruleSet: set,
      ruleDirs: [dir],
      collectorSource: source,
    });
    expect(report.findings.map((f) => f.status)).toEqual(["error", "error"]);
    expect(report.findings[0]?.message).toContain("collector produced an invalid value at firewall.enabled");
    expect(report.collectorErrors[0]?.code).toBe("FACTS_INVALID");
  });

  it("turns a collector that throws into error findings for its resource types, and keeps going", async () => {
    const { dir, set } = await ruleSet();
    const source = fakeCollector(async () => {
      throw new Error("boom");
    });
    const { report, resourcesByCollector } = await runScan({
      collectors: ["fake"],
      ruleSet: set,
      ruleDirs: [dir],
      collectorSource: source,
    });
    expect(report.findings.map((f) => `${f.ruleId}:${f.status}`)).toEqual(["TST-001:error", "TST-002:error"]);
    // A collector that threw counts as one that collected nothing, for the --fail-on gate.
    expect(resourcesByCollector).toEqual({ fake: 0 });
    expect(report.findings[0]?.message).toContain("boom");
  });

  it("evaluates thresholds with the profile it is given and records that profile in the report", async () => {
    const dir = await makeRuleDir({
      "x/TST-003.yaml": rule(
        "TST-003",
        "resource.attributes.firewall.ruleCount >= profile.lockout.maxAttempts",
      ),
    });
    const set = await loadRules({ dirs: [dir] });
    const source = fakeCollector(async (ctx) => {
      ctx.emit({
        uid: "d1",
        type: "device",
        provider: "device",
        name: "one",
        attributes,
        collectedAt: ctx.now.toISOString(),
      });
    });
    const scan = (profile?: ReturnType<typeof resolveProfile>) =>
      runScan({
        collectors: ["fake"],
        ruleSet: set,
        ruleDirs: [dir],
        collectorSource: source,
        ...(profile ? { profile } : {}),
      });
    const defaults = (await scan()).report;
    expect(defaults.findings[0]?.status).toBe("fail");
    expect(defaults.profile).toEqual(DEFAULT_PROFILE);
    const own = resolveProfile({ name: "Two attempts", lockout: { maxAttempts: 2 } });
    const lenient = (await scan(own)).report;
    expect(lenient.findings[0]?.status).toBe("pass");
    expect(lenient.profile).toMatchObject({
      name: "Two attempts",
      overridden: ["lockout.maxAttempts"],
      digest: own.digest,
    });
    // The recorded profile survives the report schema (what the store validates on ingest).
    expect(ScanReportSchema.parse(JSON.parse(JSON.stringify(lenient))).profile?.values.lockout).toEqual({
      maxAttempts: 2,
      windowMinutes: 5,
    });
  });
});
