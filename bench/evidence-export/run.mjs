// bench/evidence-export: 1,000,000 findings streamed from GET /v1/evidence (JSON lines and CSV) by a store
// in a child process; reports wall time, rows/s and the server's peak RSS (VmHWM).
// Usage: npm run build && node bench/evidence-export/run.mjs   (PostgreSQL too when ASSAY_BENCH_PG_URL is set;
// BENCH_DATA_DIR=/some/dir keeps the seeded SQLite database there (and the PostgreSQL one as
// assay_bench_export_kept) and reuses them on the next run;
// BENCH_FORMATS=jsonl,csv and BENCH_TARGETS=sqlite,postgres pick what runs; BENCH_SERVER_NODE_ARGS="--cpu-prof …" profiles the server)
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { sha256Hex } from "../../dist/core/canonical.js";
import { openDatabase } from "../../dist/store/db/connect.js";
import { migrateToLatest } from "../../dist/store/db/migrations.js";
import { createApiToken } from "../../dist/store/token-admin.js";

const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
const PER_REPORT = 40;
const here = new URL(".", import.meta.url).pathname;

/** Loads FINDINGS rows (and the ledger entries and reports they point at) through Kysely in batches. */
async function seed(options) {
  const store = await openDatabase(options);
  await migrateToLatest(store.db, store.dialect);
  const t = Date.now();
  const reports = Math.ceil(FINDINGS / PER_REPORT);
  const start = Date.parse("2026-01-01T00:00:00Z");
  let prev = "0".repeat(64);
  for (let r0 = 0; r0 < reports; r0 += 250) {
    await store.db.transaction().execute(async (trx) => {
      const ledger = [];
      const findings = [];
      for (let r = r0; r < Math.min(reports, r0 + 250); r++) {
        const seq = r + 1;
        const at = new Date(start + r * 60_000).toISOString();
        const entry = sha256Hex(`${seq}${prev}`);
        ledger.push({
          seq,
          kind: "report",
          ref: `R${String(seq).padStart(25, "0")}`,
          content_hash: sha256Hex(String(seq)),
          prev_hash: prev,
          entry_hash: entry,
          appended_at: at,
        });
        prev = entry;
        for (let f = 0; f < PER_REPORT && r * PER_REPORT + f < FINDINGS; f++) {
          findings.push({
            report_id: `R${String(seq).padStart(25, "0")}`,
            ledger_seq: seq,
            agent_id: `agent-${r % 500}`,
            observed_at: at,
            rule_id: `DEV-ENC-${String(100 + f).padStart(3, "0")}`,
            resource_uid: `4c4c4544-0042-3510-8052-${String(r % 500).padStart(12, "0")}`,
            resource_type: "device",
            status: f % 9 === 0 ? "fail" : "pass",
            severity: "high",
            policy: "encryption",
            controls: "|iso27001-2022:A.8.24|cyber-essentials:secure-configuration|",
            message: f % 9 === 0 ? "Full-disk encryption is off on /dev/nvme0n1p3" : "DEV-ENC holds",
            evidence: JSON.stringify({
              "diskEncryption.enabled": { value: f % 9 !== 0, source: "cmd: lsblk -J" },
              "diskEncryption.method": { value: "luks2", source: "cmd: cryptsetup status" },
            }),
            exception: null,
            // A failing row carries since when its pair has failed (a fixed start keeps the seed simple).
            failing_since: f % 9 === 0 ? "2025-12-01T00:00:00.000Z" : null,
          });
        }
      }
      await trx.insertInto("ledger").values(ledger).execute();
      for (let i = 0; i < findings.length; i += 500)
        await trx
          .insertInto("findings")
          .values(findings.slice(i, i + 500))
          .execute();
    });
  }
  await store.db
    .updateTable("ledger_head")
    .set({ seq: reports, entry_hash: prev })
    .where("id", "=", 1)
    .execute();
  const token = (await createApiToken(store.db, { role: "auditor", name: "bench" })).token;
  await store.close();
  process.stderr.write(`  seeded ${FINDINGS} findings in ${Date.now() - t} ms\n`);
  return token;
}

async function startServer(target, location) {
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS ? process.env.BENCH_SERVER_NODE_ARGS.split(" ") : [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, join(here, "..", "store-ingest", "server.mjs"), target, location],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${JSON.parse(line).port}` };
}

/** CPU seconds (user + system) the process has used so far: a figure other load on the machine skews less than wall time. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds used so far by all PostgreSQL server processes on this machine (where the export's SQL runs
 * on PostgreSQL). Exited backends are not counted, and other users of the same server are: a rough figure.
 */
function postgresCpuSeconds() {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (!stat.includes("(postgres)")) continue;
      const fields = stat.split(") ")[1].split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the process ended while being read
    }
  }
  return total;
}

function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024);
}

async function exportOnce(server, token, format) {
  const cpu0 = cpuSeconds(server.child.pid);
  const pg0 = postgresCpuSeconds();
  const t = performance.now();
  const res = await fetch(
    `${server.url}/v1/evidence?control=iso27001-2022:A.8.24&from=2025-12-01&to=2027-01-01&format=${format}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  if (res.status !== 200) throw new Error(`export: ${res.status} ${await res.text()}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  const seconds = (performance.now() - t) / 1000;
  const rows = format === "csv" ? lines - 1 : lines;
  return {
    format,
    rows,
    seconds: Math.round(seconds * 100) / 100,
    serverCpuSeconds: Math.round((cpuSeconds(server.child.pid) - cpu0) * 100) / 100,
    postgresCpuSeconds: Math.round((postgresCpuSeconds() - pg0) * 100) / 100,
    rowsPerSecond: Math.round(rows / seconds),
    megabytes: Math.round(bytes / 1e6),
  };
}

/** With BENCH_DATA_DIR set, a SQLite database seeded by an earlier run with the same FINDINGS is reused. */
async function seededBefore(options) {
  if (!process.env.BENCH_DATA_DIR) return false;
  const store = await openDatabase(options);
  try {
    await migrateToLatest(store.db, store.dialect);
    const row = await store.db
      .selectFrom("findings")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n) === FINDINGS;
  } finally {
    await store.close();
  }
}

async function benchTarget(target, location, options) {
  process.stderr.write(`evidence-export: ${target}\n`);
  let token;
  if (await seededBefore(options)) {
    const store = await openDatabase(options);
    token = (await createApiToken(store.db, { role: "auditor", name: "bench" })).token;
    await store.close();
    process.stderr.write(`  reusing the ${FINDINGS} findings seeded in ${options.dataDir}\n`);
  } else token = await seed(options);
  const server = await startServer(target, location);
  try {
    const runs = [];
    for (const format of (process.env.BENCH_FORMATS ?? "jsonl,csv").split(","))
      runs.push(await exportOnce(server, token, format));
    return { target, runs, peakRssMb: peakRssMb(server.child.pid) };
  } finally {
    server.child.kill("SIGTERM");
    await new Promise((r) => server.child.once("exit", r));
  }
}

const results = [];
const keep = process.env.BENCH_DATA_DIR;
const dir = keep ?? mkdtempSync(join(tmpdir(), "assay-bench-export-"));
try {
  if (process.env.BENCH_TARGETS?.includes("sqlite") ?? true)
    results.push(await benchTarget("sqlite", dir, { dataDir: dir }));
  const pgUrl = process.env.ASSAY_BENCH_PG_URL;
  if (pgUrl && (process.env.BENCH_TARGETS?.includes("postgres") ?? true)) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    // With BENCH_DATA_DIR the PostgreSQL database is kept too (under a fixed name) and reused.
    const name = keep ? "assay_bench_export_kept" : `assay_bench_export_${Date.now()}`;
    const u = new URL(pgUrl);
    u.pathname = `/${name}`;
    const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 1 && !(await seededBefore({ databaseUrl: u.toString(), dataDir: dir }))) {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      exists.rowCount = 0;
    }
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
    try {
      results.push(await benchTarget("postgres", u.toString(), { databaseUrl: u.toString(), dataDir: dir }));
    } finally {
      if (!keep) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

console.log(`evidence-export (${FINDINGS} findings, one control, whole period)`);
console.log(
  `machine: ${cpus().length} cores, load average at the end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(
  "target    format  rows       seconds  server CPU s  PostgreSQL CPU s  rows/s    MB     server peak RSS MB",
);
for (const r of results) {
  for (const run of r.runs) {
    console.log(
      `${r.target.padEnd(9)} ${run.format.padEnd(7)} ${String(run.rows).padEnd(10)} ${String(run.seconds).padEnd(8)} ${String(run.serverCpuSeconds).padEnd(13)} ${String(run.postgresCpuSeconds).padEnd(17)} ${String(run.rowsPerSecond).padEnd(9)} ${String(run.megabytes).padEnd(6)} ${r.peakRssMb}`,
    );
  }
}
console.log(JSON.stringify(results));
