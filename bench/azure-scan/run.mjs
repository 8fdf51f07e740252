// Azure scan benchmark: `assay scan` (real collector, real engine, shipped rules) of one 2,000-resource
// subscription served by the ARM emulator in a child process with 50 ms latency per call.
// Usage: npm run build && node bench/azure-scan/run.mjs [concurrency=16] [latencyMs=50]
//
// Ideal = the calls the scan must make, at the configured concurrency, with no idle gap:
//   latency x (1 subscription list + 1 first resource page + ceil(gated reads / concurrency)).
// Later resource pages are fetched while reads run, so they are not on the critical path.
import { fork } from "node:child_process";
import { Agent } from "node:https";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const concurrency = Number(process.argv[2] ?? 16);
const latencyMs = Number(process.argv[3] ?? 50);
const PAGE_SIZE = 100;

const bundle = join(root, "bench", "out", "azure-emulator.mjs");
await build({
  entryPoints: [join(here, "emulator.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: bundle,
  logLevel: "error",
});
const child = fork(bundle, [], { env: { ...process.env, BENCH_LATENCY_MS: String(latencyMs) } });
const ask = (type) =>
  new Promise((resolve) => {
    child.once("message", resolve);
    if (type) child.send({ type });
  });
const { endpoint, certificate, listed } = await ask();

const { createAzureCollector } = await import("../../dist/collectors/azure/index.js");
const { collectorLoaders } = await import("../../dist/collectors/registry.js");
const { loadRules } = await import("../../dist/engine/load.js");
const { BUILTIN_RULES_DIR } = await import("../../dist/engine/paths.js");
const { runScan } = await import("../../dist/scan/run.js");

const credential = {
  getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const agent = new Agent({ ca: certificate, keepAlive: true });
collectorLoaders.azure = async () => createAzureCollector({ credential, agent });
const ruleSet = await loadRules({ dirs: [BUILTIN_RULES_DIR] });

const started = performance.now();
const { report } = await runScan({
  collectors: ["azure"],
  ruleSet,
  ruleDirs: [BUILTIN_RULES_DIR],
  settings: { azure: { endpoint, concurrency } },
});
const elapsedMs = performance.now() - started;

const { requests, connections } = await ask("stats");
child.send({ type: "stop" });
agent.destroy();

const listedResources = Object.values(listed).reduce((a, b) => a + b, 0);
const listPages = 1 + Math.ceil(listedResources / PAGE_SIZE);
const gated = requests - listPages;
const idealMs = latencyMs * (2 + Math.ceil(gated / concurrency));
console.log(
  JSON.stringify(
    {
      bench: "azure-scan",
      listedResources,
      emittedResources: report.resources.length,
      findings: report.findings.length,
      collectorErrors: report.collectorErrors.length,
      requests,
      tlsConnections: connections,
      gatedReads: gated,
      concurrency,
      latencyMs,
      elapsedMs: Math.round(elapsedMs),
      idealMs,
      ratio: Number((elapsedMs / idealMs).toFixed(3)),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
    },
    null,
    2,
  ),
);
