#!/usr/bin/env node
// Agent footprint: builds the single-file bundle, starts it against a minimal store stand-in (enrol, reports,
// heartbeat on 127.0.0.1), lets it run one real device-posture job with the shipped rules, then watches it
// idle for a minute. Prints peak RSS during the job, and RSS and CPU while idle.
//   node bench/agent-footprint/run.mjs [idleSeconds=60] [--executable dist/packages/assay-agent-<v>-linux-x64]
// With --executable it runs the self-contained executable (`npm run package`) instead of the bundle on this
// Node, laid out as the packages install it (rules and the rule cache beside it).
// Also prints cold start to first scan: from spawning the agent to its "job started" line.
// Linux only (reads /proc/<pid>/status and /proc/<pid>/stat).
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const exeAt = args.indexOf("--executable");
const executable = exeAt >= 0 ? resolve(args.splice(exeAt, 2)[1]) : undefined;
const idleSeconds = Number(args[0] ?? 60);
const dir = mkdtempSync(join(tmpdir(), "assay-footprint-"));
let command;
if (executable) {
  const home = join(dir, "opt");
  mkdirSync(join(home, "dist"), { recursive: true });
  copyFileSync(executable, join(home, "assay-agent"));
  execFileSync("chmod", ["755", join(home, "assay-agent")]);
  cpSync("rules", join(home, "rules"), { recursive: true });
  copyFileSync(join("dist", "yaml-cache.json"), join(home, "dist", "yaml-cache.json"));
  command = [join(home, "assay-agent")];
} else {
  execFileSync(process.execPath, ["agent/bundle.mjs", join(dir, "bundle")], { stdio: "ignore" });
  command = [process.execPath, join(dir, "bundle", "assay-agent.mjs")];
}

// Store stand-in: accepts everything (the store's own costs are measured in bench/store-ingest).
let reports = 0;
const server = createServer((req, res) => {
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
  });
  req.on("end", () => {
    if (req.url === "/v1/enrol") {
      res
        .writeHead(201, { "content-type": "application/json" })
        .end(JSON.stringify({ agentId: "bench-agent", token: "bench-token" }));
    } else if (req.url === "/v1/reports") {
      reports += 1;
      res
        .writeHead(201, { "content-type": "application/json" })
        .end(JSON.stringify({ id: "x", ledgerSeq: reports, hash: "h", bytes: size }));
    } else res.writeHead(204).end();
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}`;

writeFileSync(
  join(dir, "agent.yaml"),
  [
    "store:",
    `  url: ${url}`,
    "  enrolmentSecret: bench-secret",
    `stateDir: ${join(dir, "state")}`,
    "heartbeat: { intervalSeconds: 10 }",
    "jobs:",
    "  - name: device-posture",
    '    schedule: "0 3 * * *"',
    "    runAtStart: true",
    "    collectors: [device]",
    "",
  ].join("\n"),
);

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
const rssMb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const cpuTicks = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime
};

const started = Date.now();
const agent = spawn(command[0], [...command.slice(1), "agent", "--config", join(dir, "agent.yaml")], {
  stdio: ["ignore", "pipe", "inherit"],
});
const lines = [];
let buffer = "";
agent.stdout.on("data", (d) => {
  buffer += d;
  const parts = buffer.split("\n");
  buffer = parts.pop();
  for (const p of parts) if (p) lines.push(JSON.parse(p));
});
const until = async (pred, ms = 120_000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
};

// RSS at start-up, before the first job loads the scan code.
await until(() => lines.some((l) => l.msg === "agent started" || l.msg === "job started"));
const startupRss = rssMb(agent.pid);
// The scan runs in a child process of the agent: sample both while the job runs.
const children = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};
let peakAgentRss = 0;
let peakJobRss = 0;
const sampler = setInterval(() => {
  try {
    peakAgentRss = Math.max(peakAgentRss, rssMb(agent.pid));
    for (const child of children(agent.pid)) peakJobRss = Math.max(peakJobRss, rssMb(child));
  } catch {}
}, 25);
await until(() =>
  lines.some((l) => l.msg === "report delivered" || l.msg === "job failed; it runs again at its next slot"),
);
clearInterval(sampler);
const job = lines.find((l) => l.msg === "report spooled");
const jobStarted = lines.find((l) => l.msg === "job started");
const jobMs = job && jobStarted ? Date.parse(job.time) - Date.parse(jobStarted.time) : Number.NaN;
const coldStartMs = jobStarted ? Date.parse(jobStarted.time) - started : Number.NaN;

// Idle: no job until 03:00; heartbeats every 10 s.
await new Promise((r) => setTimeout(r, 2000));
const cpu0 = cpuTicks(agent.pid);
const t0 = process.hrtime.bigint();
const idle = [];
for (let i = 0; i < idleSeconds; i += 1) {
  await new Promise((r) => setTimeout(r, 1000));
  idle.push(rssMb(agent.pid));
}
const cpuSeconds = (cpuTicks(agent.pid) - cpu0) / ticksPerSecond;
const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
agent.kill("SIGTERM");
await new Promise((r) => agent.once("exit", r));
server.close();

const fmt = (n) => n.toFixed(1);
const avg = idle.reduce((a, b) => a + b, 0) / idle.length;
const out = [
  executable
    ? `agent footprint (self-contained executable ${executable.split("/").at(-1)}, device-posture job with the shipped rules)`
    : `agent footprint (bundle, device-posture job with the shipped rules, Node ${process.versions.node})`,
  `  cold start to first scan:             ${coldStartMs} ms (spawn → "job started")`,
  `  agent RSS at start-up:                ${fmt(startupRss)} MB`,
  `  peak RSS of the job process:          ${fmt(peakJobRss)} MB   (job ${jobMs} ms, ${job ? "report delivered" : "job failed"})`,
  `  peak RSS of the agent during the job: ${fmt(peakAgentRss)} MB`,
  `  idle agent RSS over ${idleSeconds} s after the job: min ${fmt(Math.min(...idle))} / avg ${fmt(avg)} / max ${fmt(Math.max(...idle))} MB`,
  `  idle agent CPU over ${fmt(wallSeconds)} s: ${fmt(cpuSeconds * 1000)} ms = ${((cpuSeconds / wallSeconds) * 100).toFixed(2)} %`,
  `  reports delivered: ${reports}; total run ${((Date.now() - started) / 1000).toFixed(0)} s`,
];
console.log(out.join("\n"));
