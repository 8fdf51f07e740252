// bench/store-ingest: signed device and cloud reports (~40 findings each) posted concurrently to the store
// on SQLite and on PostgreSQL, beside a no-op Fastify route fed the same payloads, in one run.
// Usage: npm run build && node bench/store-ingest/run.mjs   (PostgreSQL when ASSAY_BENCH_PG_URL or ASSAY_TEST_PG_URL is set;
// BENCH_INGEST_WORKERS=N sets the store's ingestWorkers, 0 = checks on the main thread)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import pg from "pg";
import { generateSigningKeyPair } from "../../dist/core/signing.js";
import { signedBodies } from "./reports.mjs";

const THROUGHPUT_REPORTS = Number(process.env.BENCH_REPORTS ?? 12000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const RATE = 500;
const RATE_SECONDS = 6;
const AGENTS = 50;
const here = new URL(".", import.meta.url).pathname;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServer(target, location) {
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS ? process.env.BENCH_SERVER_NODE_ARGS.split(" ") : [];
  const child = spawn(process.execPath, [...nodeArgs, join(here, "server.mjs"), target, location ?? ""], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server ${target} exited with ${code}`)));
  });
  const { port, admin } = JSON.parse(line);
  return { child, url: `http://127.0.0.1:${port}`, admin };
}

/** Odd agents send cloud reports (reports.mjs): an admin allows them the account, as for a real scanner. */
async function allowCloudScope(server, agents) {
  for (let a = 1; a < agents.length; a += 2) {
    const res = await fetch(`${server.url}/v1/agents/${agents[a].agentId}/scopes`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.admin}` },
      body: JSON.stringify({ scopes: ["aws:123456789012"] }),
    });
    if (res.status !== 200) throw new Error(`scopes: ${res.status} ${await res.text()}`);
  }
}

async function enrol(url, n) {
  const agents = [];
  for (let i = 0; i < n; i++) {
    const keys = generateSigningKeyPair();
    const res = await fetch(`${url}/v1/enrol`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        enrolmentSecret: "bench-enrolment-secret-0123456789",
        hostname: `host-${i}`,
        platform: "linux",
        publicKeyPem: keys.publicKeyPem,
      }),
    });
    if (res.status !== 201) throw new Error(`enrol: ${res.status} ${await res.text()}`);
    const body = await res.json();
    agents.push({ agentId: body.agentId, token: body.token, privateKeyPem: keys.privateKeyPem });
  }
  return agents;
}

/** Posts each body once, in order, each with its agent's token; resolves with autocannon's result. */
function post(url, set, opts) {
  let next = 0;
  // autocannon ends a run on its next one-second sample tick, so its own `duration` rounds up to whole
  // seconds (4,000 reports in 6.6 s read as 8.0 s): the rate is taken from the time of the last response.
  const started = performance.now();
  let lastResponse = started;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/reports`,
        connections: opts.connections,
        ...(opts.rate ? { overallRate: opts.rate, duration: opts.duration } : { amount: set.bodies.length }),
        requests: [
          {
            method: "POST",
            setupRequest: (req) => {
              const i = next++ % set.bodies.length;
              return {
                ...req,
                headers: { "content-type": "application/json", authorization: `Bearer ${set.tokens[i]}` },
                body: set.bodies[i],
              };
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ ...result, seconds: (lastResponse - started) / 1000 })),
    );
    instance.on("response", () => {
      lastResponse = performance.now();
    });
  });
}

const slice = (set, from, to) => ({ bodies: set.bodies.slice(from, to), tokens: set.tokens.slice(from, to) });

function figures(result, rateSeconds) {
  return {
    // A fixed-rate run lasts its configured duration; a fixed-amount run until its last response.
    reportsPerSecond: Math.round((result["2xx"] / (rateSeconds ?? result.seconds)) * 10) / 10,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function benchTarget(target, location, shared) {
  const server = await startServer(target, location);
  try {
    let set = shared;
    if (target !== "noop") {
      const agents = await enrol(server.url, AGENTS);
      await allowCloudScope(server, agents);
      const t = Date.now();
      set = signedBodies(agents, 200 + THROUGHPUT_REPORTS + RATE * RATE_SECONDS + 200);
      const avg = Math.round(set.bodies.reduce((s, b) => s + b.length, 0) / set.bodies.length);
      process.stderr.write(
        `  ${target}: signed ${set.bodies.length} reports in ${Date.now() - t} ms (average ${avg} bytes)\n`,
      );
    }
    // Warm-up (JIT, caches), then throughput with fresh reports, then latency at a fixed 500 req/s.
    await post(server.url, slice(set, 0, 200), { connections: 8 });
    const cpu0 = cpuSeconds(server.child.pid);
    const throughput = figures(
      await post(server.url, slice(set, 200, 200 + THROUGHPUT_REPORTS), { connections: CONNECTIONS }),
    );
    // Server CPU per accepted report: what the store costs, apart from the load generator and other work.
    throughput.serverCpuMsPerReport =
      Math.round(((cpuSeconds(server.child.pid) - cpu0) / throughput.ok) * 100_000) / 100;
    const atRate = figures(
      await post(server.url, slice(set, 200 + THROUGHPUT_REPORTS), {
        connections: 16,
        rate: RATE,
        duration: RATE_SECONDS,
      }),
      RATE_SECONDS,
    );
    return { target, throughput, atRate, shared: set };
  } finally {
    server.child.kill("SIGTERM");
    await new Promise((r) => server.child.once("exit", r));
  }
}

async function freshPg(url) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const name = `assay_bench_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const results = [];
const dir = mkdtempSync(join(tmpdir(), "assay-bench-ingest-"));
try {
  process.stderr.write("store-ingest: SQLite\n");
  const sqlite = await benchTarget("sqlite", dir);
  results.push(sqlite);
  process.stderr.write("store-ingest: no-op Fastify route, same payloads\n");
  results.push(await benchTarget("noop", undefined, sqlite.shared));
  const pgUrl = process.env.ASSAY_BENCH_PG_URL ?? process.env.ASSAY_TEST_PG_URL;
  if (pgUrl) {
    process.stderr.write("store-ingest: PostgreSQL\n");
    const db = await freshPg(pgUrl);
    try {
      results.push(await benchTarget("postgres", db.url));
    } finally {
      await db.drop();
    }
  } else {
    process.stderr.write("store-ingest: PostgreSQL skipped (set ASSAY_BENCH_PG_URL)\n");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const noop = results.find((r) => r.target === "noop");
console.log(
  `store-ingest (${THROUGHPUT_REPORTS} reports, ${CONNECTIONS} connections; then ${RATE} req/s for ${RATE_SECONDS} s)`,
);
console.log(
  `machine: ${cpus().length} cores, load average at the end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} (other work on the machine skews wall-clock figures)`,
);
console.log(
  "target    reports/s   p50 ms  p99 ms  server CPU ms/report | at 500/s: achieved  p50 ms  p99 ms | non-2xx | % of no-op",
);
for (const r of results) {
  const pct = noop
    ? Math.round((r.throughput.reportsPerSecond / noop.throughput.reportsPerSecond) * 1000) / 10
    : Number.NaN;
  const t = r.throughput;
  const a = r.atRate;
  console.log(
    [
      r.target.padEnd(9),
      String(t.reportsPerSecond).padStart(9),
      String(t.p50ms).padStart(8),
      String(t.p99ms).padStart(7),
      String(t.serverCpuMsPerReport).padStart(21),
      " |",
      String(a.reportsPerSecond).padStart(17),
      String(a.p50ms).padStart(7),
      String(a.p99ms).padStart(7),
      " |",
      String(t.non2xx + a.non2xx).padStart(7),
      " |",
      `${pct}%`,
    ].join(" "),
  );
}
console.log(JSON.stringify(results.map(({ shared: _s, ...r }) => r)));
