import { spawn } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CALLS_PATH } from "../../test/emulators/aws/server.js";
import type { BenchSize } from "./world.js";

/**
 * AWS collector benchmark: the emulator (own process) answers every call after `latencyMs`, the collector
 * (own process) scans it with `concurrency` calls in flight per service and region. The ideal wall time is
 * the busiest lane's calls x latency / concurrency (lanes = service/region limiters, which run in parallel);
 * the collector should stay within 1.2x of it. Peak RSS is the scanner's.
 */
interface Scenario extends BenchSize {
  name: string;
  concurrency: number;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const arg = process.argv[2] ?? "all";
const scenarios: Scenario[] = [
  {
    name: "1k buckets / 200 keys / 500 users, 50 ms",
    buckets: 1000,
    keys: 200,
    users: 500,
    latencyMs: 50,
    concurrency: 16,
  },
  {
    name: "10k buckets / 200 keys / 500 users, 10 ms (memory)",
    buckets: 10_000,
    keys: 200,
    users: 500,
    latencyMs: 10,
    concurrency: 16,
  },
  {
    name: "10k buckets / 200 keys / 500 users, 50 ms (memory at the target latency; ~6 min)",
    buckets: 10_000,
    keys: 200,
    users: 500,
    latencyMs: 50,
    concurrency: 16,
  },
  {
    name: "1k buckets, no latency (CPU cost)",
    buckets: 1000,
    keys: 200,
    users: 500,
    latencyMs: 0,
    concurrency: 16,
  },
].filter((s) => {
  if (arg === "cpu") return s.latencyMs === 0;
  if (arg === "small") return s.buckets === 1000 && s.latencyMs > 0;
  if (arg === "large") return s.buckets === 10_000 && s.latencyMs === 10;
  if (arg === "large50") return s.buckets === 10_000 && s.latencyMs === 50;
  // `all` leaves out the six-minute large50 run.
  return !(s.buckets === 10_000 && s.latencyMs === 50);
});

/** Which limiter lane an IAM action's calls go through. */
function lane(action: string): string {
  if (action === "s3:GetAccountPublicAccessBlock") return "s3control";
  return action.split(":")[0] ?? action;
}

async function runScenario(s: Scenario) {
  const emulator = spawn(process.execPath, [`${here}emulator-process.js`, JSON.stringify(s)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: emulator.stdout });
  const [first] = (await once(lines, "line")) as [string];
  const url = first.replace(/^URL /, "");
  try {
    // BENCH_SCANNER_FLAGS passes node flags to the scanner only (e.g. --expose-gc, --cpu-prof).
    const flags = (process.env.BENCH_SCANNER_FLAGS ?? "").split(" ").filter(Boolean);
    const scanner = spawn(
      process.execPath,
      [...flags, `${here}scan-process.js`, url, String(s.concurrency)],
      {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      },
    );
    let out = "";
    scanner.stdout.on("data", (d) => {
      out += String(d);
    });
    const [code] = (await once(scanner, "exit")) as [number];
    if (code !== 0) throw new Error(`scanner exited with ${code}`);
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}");
    const calls = (await (await fetch(`${url}${CALLS_PATH}`)).json()) as Record<string, number>;
    const perLane: Record<string, number> = {};
    for (const [action, n] of Object.entries(calls)) {
      if (action === "total" || action.startsWith("__")) continue;
      perLane[lane(action)] = (perLane[lane(action)] ?? 0) + n;
    }
    const busiest = Math.max(...Object.values(perLane));
    const idealMs = (busiest * s.latencyMs) / s.concurrency;
    const totalIdealMs = ((calls.total ?? 0) * s.latencyMs) / s.concurrency;
    return {
      scenario: s.name,
      concurrency: s.concurrency,
      totalCalls: calls.total,
      callsPerLane: perLane,
      wallS: +(result.wallMs / 1000).toFixed(2),
      idealBusiestLaneS: +(idealMs / 1000).toFixed(2),
      ratioToIdeal: +(result.wallMs / idealMs).toFixed(3),
      idealAllCallsOneLaneS: +(totalIdealMs / 1000).toFixed(2),
      resources: result.resources,
      byType: result.byType,
      collectorErrors: result.errors.length,
      peakRssMb: Math.round(result.peakRssMb),
      maxRssMb: Math.round(result.maxRssMb),
      scannerCpuS: +(result.cpuMs / 1000).toFixed(2),
      emulatorCpuS: +((calls.__cpuMs ?? 0) / 1000).toFixed(2),
      tcpConnections: calls.__connections ?? 0,
      loadAverage: os.loadavg().map((l) => +l.toFixed(1)),
      heapUsedAtEndMb: Math.round(result.heapUsedMb),
      ...(result.heapAfterGcMb === undefined ? {} : { heapAfterGcMb: Math.round(result.heapAfterGcMb) }),
      phasesMs: result.phases,
    };
  } finally {
    emulator.stdin?.end();
    await once(emulator, "exit");
  }
}

for (const s of scenarios) {
  const r = await runScenario(s);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
