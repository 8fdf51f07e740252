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
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
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
  progress: () => {},
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
  })}\n`,
);
