// In-process CPU cost of ingest (no load generator competing for the cores): the store on a fresh
// SQLite file, reports posted with Fastify's inject 32 at a time; prints the CPU milliseconds per report
// of the whole process (parse, validate, verify, write). A steadier figure than run.mjs on a busy machine.
// Usage: npm run build && node bench/store-ingest/inprocess.mjs [reports]
// BENCH_DATABASE_URL=postgres://… (an empty database) measures the PostgreSQL path instead of SQLite.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generateSigningKeyPair } from "../../dist/core/signing.js";
import { buildApp } from "../../dist/store/app.js";
import { setAgentScopes } from "../../dist/store/ownership-admin.js";
import { signedBodies } from "./reports.mjs";

const N = Number(process.argv[2] ?? 3000);
const dir = mkdtempSync(join(tmpdir(), "assay-bench-inproc-"));
const app = await buildApp({
  dataDir: dir,
  databaseUrl: process.env.BENCH_DATABASE_URL,
  enrolmentSecret: "bench-enrolment-secret-0123456789",
  logLevel: "warn",
  backgroundJobs: false,
});
try {
  const agents = [];
  for (let i = 0; i < 50; i++) {
    const keys = generateSigningKeyPair();
    const res = await app.inject({
      method: "POST",
      url: "/v1/enrol",
      payload: {
        enrolmentSecret: "bench-enrolment-secret-0123456789",
        hostname: `host-${i}`,
        platform: "linux",
        publicKeyPem: keys.publicKeyPem,
      },
    });
    const body = res.json();
    agents.push({ agentId: body.agentId, token: body.token, privateKeyPem: keys.privateKeyPem });
  }
  // Odd agents send cloud reports (reports.mjs): allow them the account, as an admin would a scanner.
  for (let a = 1; a < agents.length; a += 2) {
    const { db, dialect } = app.assay.store;
    await setAgentScopes(db, dialect, {
      agentId: agents[a].agentId,
      scopes: ["aws:123456789012"],
      by: "bench",
      now: new Date(),
    });
  }
  const set = signedBodies(agents, 300 + N);
  const post = (i) =>
    app.inject({
      method: "POST",
      url: "/v1/reports",
      headers: { "content-type": "application/json", authorization: `Bearer ${set.tokens[i]}` },
      payload: set.bodies[i],
    });
  const run = async (from, to) => {
    for (let i = from; i < to; i += 32) {
      const replies = await Promise.all(Array.from({ length: Math.min(32, to - i) }, (_, k) => post(i + k)));
      for (const r of replies) if (r.statusCode !== 201) throw new Error(`${r.statusCode} ${r.body}`);
    }
  };
  await run(0, 300);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run(300, 300 + N);
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `in-process ${process.env.BENCH_DATABASE_URL ? "PostgreSQL" : "SQLite"} ingest: ${N} reports, CPU ${((cpu.user + cpu.system) / 1000 / N).toFixed(3)} ms/report ` +
      `(user ${(cpu.user / 1000 / N).toFixed(3)}, system ${(cpu.system / 1000 / N).toFixed(3)}), ` +
      `wall ${(wall / N).toFixed(3)} ms/report, load average ${loadavg()[0].toFixed(1)}`,
  );
} finally {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
