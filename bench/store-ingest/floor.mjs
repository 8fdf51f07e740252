// The CPU floor of ingest: what the store must do for every report before it touches the database, in a
// loop with no HTTP and no SQL: JSON.parse of the body, zod validation, the canonical forms (signed and
// stored), the Ed25519 check and the SHA-256 of the stored form (all through prepareReport, the code the
// route runs). Compare with inprocess.mjs (the whole store) and run.mjs's no-op route (HTTP alone) to see
// how much of a report's cost no storage change can remove.
// Usage: npm run build && taskset -c 0 node bench/store-ingest/floor.mjs [reports]
import { createPublicKey } from "node:crypto";
import { loadavg } from "node:os";
import { generateSigningKeyPair } from "../../dist/core/signing.js";
import { prepareReport } from "../../dist/store/ingest.js";
import { signedBodies } from "./reports.mjs";

const N = Number(process.argv[2] ?? 4000);
const agents = Array.from({ length: 50 }, (_, i) => {
  const keys = generateSigningKeyPair();
  return {
    agentId: `01J0000000000000000000AG${String(i).padStart(2, "0")}`,
    token: "unused",
    privateKeyPem: keys.privateKeyPem,
    key: createPublicKey(keys.publicKeyPem),
  };
});
const { bodies } = signedBodies(agents, N);
const bytes = bodies.reduce((sum, b) => sum + Buffer.byteLength(b), 0);

function pass(from, to) {
  const steps = { parse: 0n, prepare: 0n };
  for (let i = from; i < to; i++) {
    const agent = agents[i % agents.length];
    const t0 = process.hrtime.bigint();
    const body = JSON.parse(bodies[i]);
    const t1 = process.hrtime.bigint();
    prepareReport(body, { id: agent.agentId, key: agent.key }, new Date());
    const t2 = process.hrtime.bigint();
    steps.parse += t1 - t0;
    steps.prepare += t2 - t1;
  }
  return steps;
}

pass(0, Math.min(300, N)); // warm-up: JIT and zod's compiled paths
const runs = [];
for (let r = 0; r < 3; r++) {
  const cpu0 = process.cpuUsage();
  const steps = pass(0, N);
  const cpu = process.cpuUsage(cpu0);
  runs.push({
    cpuMsPerReport: +((cpu.user + cpu.system) / 1000 / N).toFixed(3),
    parseMsPerReport: +(Number(steps.parse) / 1e6 / N).toFixed(3),
    validateCanonicalVerifyHashMsPerReport: +(Number(steps.prepare) / 1e6 / N).toFixed(3),
  });
}
const best = runs.reduce((a, b) => (b.cpuMsPerReport < a.cpuMsPerReport ? b : a));
console.log(
  JSON.stringify(
    {
      reports: N,
      averageBodyBytes: Math.round(bytes / N),
      best,
      runs,
      oneCoreCeilingReportsPerS: Math.round(1000 / best.cpuMsPerReport),
      loadAverage: loadavg().map((l) => +l.toFixed(1)),
    },
    null,
    2,
  ),
);
