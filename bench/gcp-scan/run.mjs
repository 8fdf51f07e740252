// GCP scan benchmark: `assay scan` (real collector, real engine, shipped rules) of one project with 2,000
// buckets served by the Google JSON API emulator in a child process with 50 ms latency per call.
// Usage: npm run build && node bench/gcp-scan/run.mjs [concurrency=16] [latencyMs=50]
//
// Ideal = every call the scan makes, at the configured concurrency, with no idle gap:
//   latency x (1 first bucket page + ceil(other calls / concurrency)).
// The bucket list is paged 1,000 at a time (the API's maximum); IAM reads start as each page arrives.
import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const concurrency = Number(process.argv[2] ?? 16);
const latencyMs = Number(process.argv[3] ?? 50);

const bundle = join(root, "bench", "out", "gcp-emulator.mjs");
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
const { endpoint, buckets } = await ask();

const { createGcpCollector } = await import("../../dist/collectors/gcp/index.js");
const { collectorLoaders } = await import("../../dist/collectors/registry.js");
const { loadRules } = await import("../../dist/engine/load.js");
const { BUILTIN_RULES_DIR } = await import("../../dist/engine/paths.js");
const { runScan } = await import("../../dist/scan/run.js");
const { OAuth2Client } = await import("googleapis-common");

const auth = new OAuth2Client();
auth.setCredentials({
  access_token: "test-token",
  expiry_date: Date.now() + 3_600_000,
  token_type: "Bearer",
});
collectorLoaders.gcp = async () => createGcpCollector({ auth });
const ruleSet = await loadRules({ dirs: [BUILTIN_RULES_DIR] });

const started = performance.now();
const { report } = await runScan({
  collectors: ["gcp"],
  ruleSet,
  ruleDirs: [BUILTIN_RULES_DIR],
  settings: { gcp: { endpoint, projects: ["bench-project"], concurrency } },
});
const elapsedMs = performance.now() - started;

const { requests, connections } = await ask("stats");
child.send({ type: "stop" });

const idealMs = latencyMs * (1 + Math.ceil((requests - 1) / concurrency));
console.log(
  JSON.stringify(
    {
      bench: "gcp-scan",
      buckets,
      emittedResources: report.resources.length,
      findings: report.findings.length,
      collectorErrors: report.collectorErrors.length,
      requests,
      tcpConnections: connections,
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
