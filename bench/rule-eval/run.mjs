// Rule evaluation throughput: every shipped device rule against 100,000 synthetic devices, on one core.
// Usage: npm run build && taskset -c 0 node bench/rule-eval/run.mjs [resources=100000]   (taskset pins it to one core)
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { loadRules } from "../../dist/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../dist/engine/paths.js";
import { evaluateAll, forEachFinding } from "../../dist/scan/evaluate-all.js";

const count = Number(process.argv[2] ?? 100_000);
const { rules } = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
const deviceRules = rules.filter((r) => r.resourceTypes.includes("device"));
if (deviceRules.length === 0) throw new Error("no device rules to evaluate");

let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const bool = (p = 0.7) => random() < p;

function syntheticDevice(i) {
  const desktop = bool(0.5);
  return {
    uid: `device-${i}`,
    type: "device",
    provider: "device",
    name: `host-${i}`,
    tags: {},
    sources: { firewall: "cmd: nft -j list ruleset" },
    unreadable: i % 50 === 0 ? { accounts: "permission denied reading /etc/shadow" } : {},
    collectedAt: "2026-06-01T00:00:00.000Z",
    attributes: {
      os: { platform: "linux", distro: "Debian GNU/Linux", release: "12", kernel: "6.1.0", arch: "x64" },
      hostname: `host-${i}`,
      hardwareUuid: `uuid-${i}`,
      desktopSession: desktop,
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
        permitRootLogin: pick(["no", "yes", "prohibit-password"]),
        passwordAuthentication: bool(0.3),
        permitEmptyPasswords: false,
      },
      password: {
        maxAgeDays: pick([90, 99999, 365]),
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
        extraUidZeroUsers: bool(0.98) ? [] : ["toor"],
        localAdmins: ["admin"],
      },
      backup: { configured: bool(0.6), tool: "restic", latestAgeHours: random() * 100 },
      platformIntegrity: { secureBoot: bool(0.8) },
    },
  };
}

const resources = Array.from({ length: count }, (_, i) => syntheticDevice(i));
const now = new Date("2026-06-01T00:00:00Z");
evaluateAll(deviceRules, resources.slice(0, 2_000), now); // warm up the JIT

// Evaluation throughput with findings consumed as they are made (how an export or a streaming sink uses the
// engine), and with every finding kept in one array (what a single scan report does).
const count0 = () => {
  let n = 0;
  forEachFinding(deviceRules, resources, now, () => {
    n += 1;
  });
  return n;
};
const measure = (fn) => {
  // Wall time and this process's CPU time: on a shared machine the CPU figure is the one-core throughput.
  const runs = [];
  const cpu = [];
  let findings = 0;
  for (let run = 0; run < 3; run += 1) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    findings = fn();
    const used = process.cpuUsage(cpuStart);
    runs.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { findings, runs, best: Math.min(...runs), bestCpu: Math.min(...cpu) };
};
const streamed = measure(count0);
const retained = measure(() => evaluateAll(deviceRules, resources, now).length);
const evaluations = count * deviceRules.length;
const summary = (m) => ({
  bestWallMs: Math.round(m.best),
  bestCpuMs: Math.round(m.bestCpu),
  evaluationsPerWallSecond: Math.round(evaluations / (m.best / 1000)),
  evaluationsPerCpuSecond: Math.round(evaluations / (m.bestCpu / 1000)),
});
console.log(
  JSON.stringify({
    bench: "rule-eval",
    resources: count,
    rules: deviceRules.length,
    evaluations,
    streamed: summary(streamed),
    retained: summary(retained),
    loadAverage: Number(loadavg()[0].toFixed(1)),
    node: process.version,
  }),
);
