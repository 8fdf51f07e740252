import { performance } from "node:perf_hooks";
import { awsCollector } from "../../src/collectors/aws/index.js";
import type { ResourceInput } from "../../src/core/resource.js";
import { BENCH_CREDENTIALS, BENCH_REGION } from "./world.js";

/**
 * Child process: one AWS collector run against the emulator at argv[2] with concurrency argv[3]. Keeps every
 * resource in memory as the scan pipeline does, samples RSS, prints one JSON line of figures.
 */
const endpoint = process.argv[2] ?? "";
const concurrency = Number(process.argv[3] ?? 16);
const resources: ResourceInput[] = [];
const errors: unknown[] = [];
const phases: Record<string, number> = {};
let peakRss = process.memoryUsage.rss();
// BENCH_MEMORY_TRACE=1 also prints memoryUsage to stderr every second (where the memory goes over time).
const trace = process.env.BENCH_MEMORY_TRACE === "1";
let ticks = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  if (trace && ++ticks % 20 === 0) {
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1048576);
    process.stderr.write(
      `mem t=${Math.round(performance.now() - started)}ms resources=${resources.length} rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}\n`,
    );
  }
}, 50);

const started = performance.now();
await awsCollector.collect({
  settings: {
    endpoint,
    forcePathStyle: true,
    credentials: BENCH_CREDENTIALS,
    regions: [BENCH_REGION],
    concurrency,
  },
  now: new Date("2026-11-23T00:00:00Z"),
  signal: new AbortController().signal,
  emit: (r) => resources.push(r),
  reportError: (e) => errors.push(e),
  // When each account/region/service started and finished (ms since the scan started): shows the start-up
  // cost (SDK loading, caller identity) and which lane ends last.
  progress: (e) => {
    phases[`${e.scope} ${e.phase}`] = Math.round(performance.now() - started);
  },
});
const wallMs = performance.now() - started;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
// With --expose-gc, also report what is still reachable (the resources), apart from uncollected garbage.
const gc = (globalThis as { gc?: () => void }).gc;
const heapUsedMb = process.memoryUsage().heapUsed / 1024 / 1024;
gc?.();
const heapAfterGcMb = gc ? process.memoryUsage().heapUsed / 1024 / 1024 : undefined;
const byType: Record<string, number> = {};
for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
process.stdout.write(
  `${JSON.stringify({
    wallMs,
    resources: resources.length,
    byType,
    errors,
    peakRssMb: peakRss / 1024 / 1024,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    heapUsedMb,
    heapAfterGcMb,
    phases,
  })}\n`,
);
