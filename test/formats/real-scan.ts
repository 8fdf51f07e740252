import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { type DeviceFacts, DeviceFactsSchema } from "../../src/core/facts/device.js";
import { newReportId } from "../../src/core/ids.js";
import type { CollectorError, ScanReport } from "../../src/core/report.js";
import { ScanReportSchema } from "../../src/core/report.js";
import { type Resource, ResourceSchema } from "../../src/core/resource.js";
import { type Framework, loadFrameworks } from "../../src/engine/catalogue.js";
import { findingsForCollectorErrors } from "../../src/engine/evaluate.js";
import { applyExceptions, type RiskException } from "../../src/engine/exceptions.js";
import { loadRules, type RuleSet } from "../../src/engine/load.js";
import { BUILTIN_FRAMEWORKS_DIR } from "../../src/engine/paths.js";
import { summarize } from "../../src/engine/summary.js";
import { evaluateAll } from "../../src/scan/evaluate-all.js";
import { runScan } from "../../src/scan/run.js";

export const FIXTURE_RULES_DIR = join(import.meta.dirname, "fixtures", "rules");

/** Which real catalogue controls the fixture rules evidence (the shipped catalogues, with these added). */
const MAPPINGS: Record<string, Record<string, string[]>> = {
  "iso27001-2022": {
    "A.8.24": ["FMT-ENC-001"],
    "A.8.20": ["FMT-FW-001"],
    "A.8.8": ["FMT-UPD-001"],
    "A.8.5": ["FMT-SSH-001"],
    "A.7.7": ["FMT-LOCK-001"],
    "A.8.1": ["FMT-LOCK-001", "FMT-ENC-001"],
    "A.5.9": ["FMT-HOST-001"],
  },
  "cyber-essentials": { "FW-1": ["FMT-FW-001"], "SU-4": ["FMT-UPD-001"], "SC-6": ["FMT-LOCK-001"] },
  "gdpr-art32": { "art32-1a": ["FMT-ENC-001"], "art32-1b": ["FMT-FW-001", "FMT-UPD-001"] },
};

export interface RealScan {
  report: ScanReport;
  baseline: ScanReport;
  frameworks: Framework[];
  ruleSet: RuleSet;
}

/**
 * A report produced by the real pipeline: the fixture rules loaded and compiled by the engine, the device
 * collector run on this machine by runScan, plus synthetic devices (facts validated against the device
 * schema) evaluated by the same engine, an exception and a collector error. The baseline is the same fleet
 * a week earlier, with some devices changed, one gone and one not yet there.
 */
export async function buildRealScan(): Promise<RealScan> {
  const frameworks = (await loadFrameworks(BUILTIN_FRAMEWORKS_DIR)).map((fw) => ({
    ...fw,
    controls: fw.controls.map((c) => ({
      ...c,
      rules: [...c.rules, ...(MAPPINGS[fw.framework]?.[c.id] ?? [])],
    })),
  }));
  const frameworkDir = await mkdtemp(join(tmpdir(), "assay-formats-fw-"));
  for (const fw of frameworks) await writeFile(join(frameworkDir, `${fw.framework}.yaml`), stringify(fw));
  const ruleSet = await loadRules({ dirs: [FIXTURE_RULES_DIR], frameworkDirs: [frameworkDir] });

  const now = new Date();
  const exceptions: RiskException[] = [
    {
      rule: "FMT-FW-001",
      resource: "kiosk-*",
      owner: "it-lead@example.com",
      reason: "Kiosk sits on an isolated VLAN behind the site firewall",
      expires: "2099-12-31",
    },
  ];
  const device = await runScan({
    collectors: ["device"],
    ruleSet,
    ruleDirs: [FIXTURE_RULES_DIR],
    exceptions,
    settings: { device: { cacheDir: false } },
    now,
  });
  const report = withSynthetic(device.report, ruleSet, fleet("now", now), exceptions, now, [
    {
      collector: "device",
      scope: "device:branch-office-share",
      code: "AccessDenied",
      message: "the inventory share refused the read",
      permission: "inventory:Read",
      resourceTypes: ["device"],
    },
  ]);

  const weekAgo = new Date(now.getTime() - 7 * 24 * 3600 * 1000);
  const baseDevice = { ...device.report, id: newReportId(weekAgo.getTime()) };
  baseDevice.startedAt = new Date(weekAgo.getTime()).toISOString();
  baseDevice.finishedAt = new Date(weekAgo.getTime() + 5000).toISOString();
  const baseline = withSynthetic(baseDevice, ruleSet, fleet("baseline", weekAgo), exceptions, weekAgo, []);
  return { report, baseline, frameworks, ruleSet };
}

function withSynthetic(
  base: ScanReport,
  ruleSet: RuleSet,
  resources: Resource[],
  exceptions: RiskException[],
  now: Date,
  collectorErrors: CollectorError[],
): ScanReport {
  const evaluated = [
    ...evaluateAll(ruleSet.rules, resources, now),
    ...findingsForCollectorErrors(ruleSet.rules, collectorErrors),
  ];
  const { findings } = applyExceptions(evaluated, new Map(resources.map((r) => [r.uid, r])), exceptions, now);
  const allResources = [...base.resources, ...resources];
  const allFindings = [...base.findings, ...findings];
  const allErrors = [...base.collectorErrors, ...collectorErrors];
  return ScanReportSchema.parse({
    ...base,
    resources: allResources,
    findings: allFindings,
    collectorErrors: allErrors,
    summary: summarize(allFindings, allResources.length, base.rules.length, allErrors.length),
  });
}

function device(
  name: string,
  collectedAt: Date,
  facts: Partial<DeviceFacts>,
  unreadable: Record<string, string> = {},
): Resource {
  const attributes = DeviceFactsSchema.parse({
    hostname: name,
    os: { platform: "linux", distro: "Debian GNU/Linux", release: "12", kernel: "6.1.0", arch: "x64" },
    ...facts,
  });
  return ResourceSchema.parse({
    uid: `device:${name}`,
    type: "device",
    provider: "device",
    name,
    tags: { fleet: "synthetic" },
    attributes,
    sources: { hostname: "cmd: hostname", diskEncryption: "cmd: lsblk -J" },
    unreadable,
    collectedAt: collectedAt.toISOString(),
  });
}

const encrypted: DeviceFacts["diskEncryption"] = { systemVolumeEncrypted: true, method: "luks", volumes: [] };
const plain: DeviceFacts["diskEncryption"] = { systemVolumeEncrypted: false, method: "none", volumes: [] };
const fw = (enabled: boolean): DeviceFacts["firewall"] => ({
  enabled,
  backend: enabled ? "nftables" : "none",
  ruleCount: enabled ? 12 : 0,
});
const updates = (pendingSecurity: number): DeviceFacts["updates"] => ({
  manager: "apt",
  pending: pendingSecurity,
  pendingSecurity,
  automatic: pendingSecurity === 0,
  rebootRequired: false,
});

/** The synthetic fleet; `baseline` is how it looked a week earlier. */
function fleet(when: "now" | "baseline", at: Date): Resource[] {
  const now = when === "now";
  const list = [
    device("laptop-ada", at, {
      desktopSession: true,
      diskEncryption: encrypted,
      firewall: fw(true),
      updates: updates(0),
      ssh: { serverInstalled: false },
      screenLock: { enabled: true, idleSeconds: 300 },
    }),
    // Regressed since the baseline: encryption was on, now off; the lock idle time grew.
    device("laptop-bob", at, {
      desktopSession: true,
      diskEncryption: now ? plain : encrypted,
      firewall: fw(true),
      updates: updates(now ? 3 : 0),
      ssh: { serverInstalled: true, permitRootLogin: "no" },
      screenLock: { enabled: true, idleSeconds: now ? 3600 : 600 },
    }),
    // Resolved since the baseline: firewall and root login fixed.
    device('server-<db>&"01"', at, {
      desktopSession: false,
      diskEncryption: encrypted,
      firewall: fw(now),
      updates: updates(0),
      ssh: { serverInstalled: true, permitRootLogin: now ? "no" : "yes" },
    }),
    // Firewall off but excepted (kiosk-*), and its disk facts could not be read.
    device(
      "kiosk-lobby",
      at,
      { desktopSession: true, firewall: fw(false), updates: updates(1), screenLock: { enabled: false } },
      { diskEncryption: "permission denied: cryptsetup status needs root" },
    ),
    // A name a spreadsheet would run as a formula, to prove the CSV guards it.
    device('=HYPERLINK("http://x")', at, {
      desktopSession: false,
      diskEncryption: plain,
      firewall: fw(false),
      updates: updates(12),
      ssh: { serverInstalled: true, permitRootLogin: "prohibit-password" },
    }),
  ];
  if (now)
    list.push(
      device("laptop-new", at, {
        desktopSession: true,
        diskEncryption: encrypted,
        firewall: fw(true),
        updates: updates(0),
        screenLock: { enabled: true, idleSeconds: 120 },
      }),
    );
  else
    list.push(
      device("laptop-retired", at, {
        desktopSession: true,
        diskEncryption: plain,
        firewall: fw(true),
        updates: updates(0),
        screenLock: { enabled: true, idleSeconds: 120 },
      }),
    );
  return list;
}
