// bench/evidence-bundle: an evidence bundle covering 100,000 findings (2,500 signed reports of 40 findings, all
// evidencing iso27001-2022 A.8.24) built by a store in a child process through GET /v1/evidence/bundle, then
// verified offline by `assay evidence verify`. Prints build wall time and the store's peak RSS (VmHWM, which
// includes its ~100 MB at idle), bundle size, verify wall time and peak RSS. Targets: build <= 10 s and
// <= 256 MB, verify <= 10 s.
// Usage: npm run build && node bench/evidence-bundle/run.mjs   (BENCH_DATA_DIR=dir keeps and reuses the seeded store)
import { spawn, spawnSync } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { generateSigningKeyPair, signReport } from "../../dist/core/signing.js";

const here = new URL(".", import.meta.url).pathname;
const root = join(here, "..", "..");
const REPORTS = Number(process.env.BENCH_REPORTS ?? 2500);
const PER_REPORT = 40;

async function startServer(dir) {
  // BENCH_SERVER_NODE_ARGS (e.g. "--max-old-space-size=96") passes V8 flags to the store process.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS ? process.env.BENCH_SERVER_NODE_ARGS.split(" ") : [];
  const child = spawn(process.execPath, [...nodeArgs, join(here, "server.mjs"), dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const info = JSON.parse(line);
  return { child, url: `http://127.0.0.1:${info.port}`, token: info.token, vkey: info.vkey };
}

function stop(child) {
  return new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
}

function report(agentId, i) {
  const at = new Date(Date.parse("2026-06-01T00:00:00Z") + i * 60_000).toISOString();
  const resources = Array.from({ length: 8 }, (_, r) => ({
    uid: `device:bench-${i}-${r}`,
    type: "device",
    provider: "device",
    name: `host-${i}-${r}`,
    tags: {},
    attributes: { diskEncryption: { systemVolumeEncrypted: r % 5 !== 0 } },
    sources: { diskEncryption: "command: fdesetup status" },
    unreadable: {},
    collectedAt: at,
  }));
  const findings = Array.from({ length: PER_REPORT }, (_, f) => ({
    ruleId: `DEV-ENC-00${f % 5}`,
    resourceUid: `device:bench-${i}-${f % 8}`,
    resourceType: "device",
    status: f % 7 === 0 ? "fail" : "pass",
    severity: "high",
    message: f % 7 === 0 ? "The system volume is not encrypted." : "holds",
    evidence: {
      "diskEncryption.systemVolumeEncrypted": { value: f % 7 !== 0, source: "command: fdesetup status" },
    },
    controls: ["iso27001-2022:A.8.24", "cyber-essentials:secure-configuration"],
    policy: "encryption",
  }));
  const counts = { pass: 0, fail: 0, error: 0, skip: 0, excepted: 0 };
  for (const f of findings) counts[f.status] += 1;
  return {
    schemaVersion: 1,
    id: `01K${String(i).padStart(23, "0")}`,
    agent: { id: agentId, hostname: "bench", version: "0.1.0" },
    scope: { collectors: ["device"], ruleDirs: ["rules"], accounts: [], regions: [] },
    startedAt: new Date(Date.parse(at) - 5000).toISOString(),
    finishedAt: at,
    resources,
    rules: Array.from({ length: 5 }, (_, r) => ({
      id: `DEV-ENC-00${r}`,
      title: `Encryption rule ${r}`,
      severity: "high",
      resourceTypes: ["device"],
      policy: "encryption",
      policyName: "Encryption Policy",
      remediation: "Turn on full-disk encryption.",
      controls: ["iso27001-2022:A.8.24"],
    })),
    findings,
    collectorErrors: [],
    summary: {
      resources: 8,
      rules: 5,
      findings: counts,
      bySeverity: { high: counts },
      byPolicy: {},
      collectorErrors: 0,
    },
  };
}

async function seed(dir) {
  const server = await startServer(dir);
  const keys = generateSigningKeyPair();
  const enrol = await fetch(`${server.url}/v1/enrol`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      enrolmentSecret: "bench-enrolment-secret-0123456789",
      hostname: "bench",
      platform: "linux",
      publicKeyPem: keys.publicKeyPem,
    }),
  });
  const agent = await enrol.json();
  let next = 0;
  const worker = async () => {
    while (next < REPORTS) {
      const i = next++;
      const body = JSON.stringify(signReport(report(agent.agentId, i), keys.privateKeyPem, agent.agentId));
      const res = await fetch(`${server.url}/v1/reports`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${agent.token}` },
        body,
      });
      if (res.status !== 201) throw new Error(`report ${i}: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  await stop(server.child);
}

function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024);
}

const keep = process.env.BENCH_DATA_DIR;
const dir = keep ?? mkdtempSync(join(tmpdir(), "assay-bench-bundle-"));
try {
  if (!keep || !existsSync(join(dir, "assay-store.sqlite"))) {
    const t = performance.now();
    await seed(dir);
    process.stderr.write(`seeded ${REPORTS} reports in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const server = await startServer(dir);
  const idle = peakRssMb(server.child.pid);
  const bundlePath = join(dir, "bundle.zip");
  const t0 = performance.now();
  const res = await fetch(
    `${server.url}/v1/evidence/bundle?framework=iso27001-2022&controls=A.8.24&from=2000-01-01&to=2100-01-01`,
    { headers: { authorization: `Bearer ${server.token}` } },
  );
  if (res.status !== 200) throw new Error(`bundle: ${res.status} ${await res.text()}`);
  await pipeline(Readable.fromWeb(res.body), createWriteStream(bundlePath));
  const buildSeconds = (performance.now() - t0) / 1000;
  const buildRss = peakRssMb(server.child.pid);
  await stop(server.child);
  const keyPath = join(dir, "store.pub");
  writeFileSync(keyPath, `${server.vkey}\n`);
  const t1 = performance.now();
  const verify = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "%M",
      process.execPath,
      join(root, "dist", "cli", "index.js"),
      "evidence",
      "verify",
      bundlePath,
      "--store-key",
      keyPath,
    ],
    { encoding: "utf8" },
  );
  const verifySeconds = (performance.now() - t1) / 1000;
  if (verify.status !== 0)
    throw new Error(`verify exited ${verify.status}: ${verify.stdout} ${verify.stderr}`);
  const verifyRss = Math.round(Number(verify.stderr.trim().split("\n").at(-1)) / 1024);
  console.log(
    `evidence-bundle (${REPORTS * PER_REPORT} findings in ${REPORTS} reports, SQLite; load ${loadavg()[0].toFixed(2)})`,
  );
  console.log(verify.stdout.trim());
  console.log(
    `build ${buildSeconds.toFixed(2)} s, store peak RSS ${buildRss} MB (idle ${idle} MB), bundle ${(statSync(bundlePath).size / 1048576).toFixed(1)} MiB`,
  );
  console.log(`verify ${verifySeconds.toFixed(2)} s, peak RSS ${verifyRss} MB`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
