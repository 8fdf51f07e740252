// Rendering a 100,000-finding report to every format, streaming each to a file.
// The report comes from the real engine: the shipped device rules evaluated against synthetic devices, with an
// exception applied and a baseline a week older (for the HTML changes section).
// Usage: npm run build && node bench/formats/run.mjs [findings=100000]
import { createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { finished } from "node:stream/promises";
import { ScanReportSchema } from "../../dist/core/report.js";
import { applyExceptions } from "../../dist/engine/exceptions.js";
import { loadRules } from "../../dist/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../dist/engine/paths.js";
import { summarize } from "../../dist/engine/summary.js";
import { formatNames, loadRenderer } from "../../dist/formats/registry.js";
import { evaluateAll } from "../../dist/scan/evaluate-all.js";

const target = Number(process.argv[2] ?? 100_000);
const outDir = join(import.meta.dirname, "..", "out", "formats");
await mkdir(outDir, { recursive: true });

const ruleSet = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
const deviceRules = ruleSet.rules.filter((r) => r.resourceTypes.includes("device"));
if (deviceRules.length === 0) throw new Error("no device rules to evaluate");
const deviceCount = Math.ceil(target / deviceRules.length);

// The shipped catalogues map few rules yet; give every rule controls by its policy so the OSCAL findings and the
// coverage sections carry a realistic load (the engine copies a rule's controls into each finding).
const POLICY_CONTROLS = {
  encryption: ["iso27001-2022:A.8.24", "gdpr-art32:art32-1a"],
  "key-management": ["iso27001-2022:A.8.24"],
  backup: ["iso27001-2022:A.8.13", "gdpr-art32:art32-1c"],
  "device-security": ["iso27001-2022:A.8.1", "iso27001-2022:A.8.8", "cyber-essentials:SU-4"],
  "access-control": ["iso27001-2022:A.8.2", "iso27001-2022:A.5.15", "cyber-essentials:SC-1"],
  password: ["iso27001-2022:A.5.17", "cyber-essentials:UA-7"],
  "remote-access": ["iso27001-2022:A.8.5", "iso27001-2022:A.6.7"],
  "clear-screen": ["iso27001-2022:A.7.7", "cyber-essentials:SC-6"],
  monitoring: ["iso27001-2022:A.8.15", "iso27001-2022:A.8.17"],
  "removable-media": ["iso27001-2022:A.7.10"],
  malware: ["iso27001-2022:A.8.7", "cyber-essentials:MP-1"],
  networks: ["iso27001-2022:A.8.20", "cyber-essentials:FW-1"],
};
const frameworks = ruleSet.frameworks.map((fw) => ({
  ...fw,
  controls: fw.controls.map((c) => ({ ...c, rules: [...c.rules] })),
}));
for (const rule of deviceRules) {
  rule.summary.controls = POLICY_CONTROLS[rule.definition.policy] ?? ["iso27001-2022:A.5.36"];
  for (const ref of rule.summary.controls) {
    const [fwId, controlId] = ref.split(":");
    const control = frameworks.find((f) => f.framework === fwId)?.controls.find((c) => c.id === controlId);
    if (control && !control.rules.includes(rule.definition.id)) control.rules.push(rule.definition.id);
  }
}

let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const bool = (p = 0.7) => random() < p;

function device(i, at) {
  return {
    uid: `device-${i}`,
    type: "device",
    provider: "device",
    name: `host-${i}.corp.example`,
    tags: { team: pick(["web", "data", "ops"]) },
    sources: { diskEncryption: "cmd: lsblk -J", firewall: "cmd: nft -j list ruleset" },
    unreadable: i % 40 === 0 ? { accounts: "permission denied reading /etc/shadow" } : {},
    collectedAt: at,
    attributes: {
      os: { platform: "linux", distro: "Debian GNU/Linux", release: "12", kernel: "6.1.0", arch: "x64" },
      hostname: `host-${i}`,
      hardwareUuid: `uuid-${i}`,
      desktopSession: bool(0.5),
      diskEncryption: {
        systemVolumeEncrypted: bool(),
        method: pick(["luks", "none"]),
        volumes: [{ mount: "/", device: "/dev/mapper/root", encrypted: bool() }],
      },
      firewall: {
        enabled: bool(),
        backend: pick(["nftables", "ufw", "none"]),
        ruleCount: Math.floor(random() * 40),
      },
      updates: {
        manager: "apt",
        pending: Math.floor(random() * 20),
        pendingSecurity: Math.floor(random() * 3),
        automatic: bool(),
        rebootRequired: bool(0.2),
      },
      ssh: {
        serverInstalled: bool(),
        serverRunning: bool(),
        permitRootLogin: pick(["no", "yes"]),
        passwordAuthentication: bool(0.3),
        permitEmptyPasswords: false,
      },
      password: {
        maxAgeDays: pick([90, 99999]),
        minAgeDays: 1,
        warnAgeDays: 7,
        minLength: pick([8, 12, 14]),
        minClasses: pick([1, 3, 4]),
        qualityModule: pick(["pam_pwquality", "none"]),
      },
      screenLock: { enabled: bool(), idleSeconds: pick([300, 600, 1800]), requirePassword: bool() },
      malware: {
        installed: bool(),
        running: bool(),
        product: "ClamAV",
        signatureAgeHours: random() * 72,
        realTimeProtection: bool(),
      },
      removableMedia: { usbStorageBlocked: bool(0.4), mechanism: "modprobe" },
      timeSync: { active: bool(0.9), service: "systemd-timesyncd", synchronized: bool(0.9) },
      accounts: {
        emptyPasswordUsers: bool(0.95) ? [] : ["guest"],
        extraUidZeroUsers: [],
        localAdmins: ["admin"],
      },
      backup: { configured: bool(0.6), tool: "restic", latestAgeHours: random() * 100 },
      platformIntegrity: { secureBoot: bool(0.8) },
    },
  };
}

function scanAt(date) {
  const at = date.toISOString();
  const resources = Array.from({ length: deviceCount }, (_, i) => device(i, at));
  const evaluated = evaluateAll(deviceRules, resources, date).slice(0, target);
  const exceptions = [
    {
      rule: deviceRules[0].definition.id,
      resource: "host-1*",
      owner: "it@example.com",
      reason: "lab machines",
      expires: "2099-01-01",
    },
  ];
  const { findings } = applyExceptions(
    evaluated,
    new Map(resources.map((r) => [r.uid, r])),
    exceptions,
    date,
  );
  const id = `01J${String(date.getTime()).padStart(23, "0")}`.slice(0, 26).replace(/[ILOU]/g, "0");
  return {
    schemaVersion: 1,
    id,
    agent: { id: "bench", hostname: "bench-host", version: "0.1.0" },
    scope: { collectors: ["device"], ruleDirs: [BUILTIN_RULES_DIR], accounts: [], regions: [] },
    startedAt: at,
    finishedAt: new Date(date.getTime() + 60_000).toISOString(),
    resources,
    rules: deviceRules.map((r) => r.summary),
    findings,
    collectorErrors: [],
    summary: summarize(findings, resources.length, deviceRules.length, 0),
  };
}

const now = new Date("2026-06-08T00:00:00Z");
const report = ScanReportSchema.parse(scanAt(now));
const baseline = ScanReportSchema.parse(scanAt(new Date("2026-06-01T00:00:00Z")));
const options = { baseline, frameworks };

async function renderTo(name, path) {
  const renderer = await loadRenderer(name);
  const out = createWriteStream(path);
  let chunks = 0;
  let largest = 0;
  let peakHeap = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  for await (const chunk of renderer.render(report, options)) {
    chunks += 1;
    largest = Math.max(largest, chunk.length);
    if (chunks % 16 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - heapBefore);
    if (!out.write(chunk)) await new Promise((resolve) => out.once("drain", resolve));
  }
  out.end();
  await finished(out);
  const ms = performance.now() - start;
  return { ms, chunks, largest, peakHeap, bytes: (await stat(path)).size, extension: renderer.extension };
}

const results = [];
for (const name of formatNames()) {
  global.gc?.();
  const path = join(outDir, `report.${(await loadRenderer(name)).extension}`);
  const r = await renderTo(name, path);
  results.push({
    format: name,
    ms: Math.round(r.ms),
    outputMB: +(r.bytes / 1e6).toFixed(1),
    chunks: r.chunks,
    largestChunkKB: Math.round(r.largest / 1024),
    heapGrowthMB: +(r.peakHeap / 1e6).toFixed(1),
  });
}
console.log(
  JSON.stringify(
    {
      bench: "formats",
      findings: report.findings.length,
      resources: report.resources.length,
      rules: deviceRules.length,
      node: process.version,
      results,
    },
    null,
    1,
  ),
);
