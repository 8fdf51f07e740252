import { execFile, spawnSync } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentLogger } from "../../src/agent/log.js";
import { tempDir } from "./helpers.js";
import { AgentProcess, freePort, StoreProcess, StoreProxy, waitFor } from "./processes.js";

/**
 * A full disk on a real, small tmpfs (mounting needs root, which CI has; elsewhere the suite says so and
 * skips): the agent's state folder, spool and log file live on it. The agent must log "disk full" with the
 * path, keep and deliver what it already spooled, refuse new reports, stay up, and deliver the spool after a
 * restart with the disk still full.
 */
const SECRET = "disk-full-enrolment-secret-0123";
const SCAN_CONFIG = resolve("test/agent/fixtures/scan.yaml");
const canMount = process.getuid?.() === 0;
if (!canMount) console.log("disk-full tests skipped: mounting a small tmpfs needs root");

let bundle: string;
let store: StoreProcess;
let proxy: StoreProxy;
let auditorToken: string;
const mounts: string[] = [];
const agents: AgentProcess[] = [];

async function smallDisk(sizeKiB: number): Promise<string> {
  const dir = await tempDir("assay-tmpfs-");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0700`, "tmpfs", dir], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`mount tmpfs: ${r.stderr}`);
  mounts.push(dir);
  return dir;
}

/** Leaves no free byte on the file system of `dir`. */
async function fill(dir: string): Promise<void> {
  spawnSync("dd", ["if=/dev/zero", `of=${join(dir, "filler")}`, "bs=4k"], { stdio: "ignore" });
  // A file system may keep a few blocks back from large writes; small files take what is left.
  for (let i = 0; i < 64; i++) {
    if (spawnSync("sh", ["-c", `head -c 512 /dev/zero > '${join(dir, `crumb-${i}`)}'`]).status !== 0) break;
  }
}

beforeAll(async () => {
  if (!canMount) return;
  const out = await tempDir("assay-bundle-");
  await promisify(execFile)(process.execPath, ["agent/bundle.mjs", out]);
  bundle = join(out, "assay-agent.mjs");
  store = new StoreProcess(join(await tempDir("assay-store-"), "data"), await freePort(), SECRET);
  auditorToken = await store.createToken("auditor");
  await store.start();
  proxy = new StoreProxy(() => store.port);
  await proxy.start();
}, 120_000);

afterAll(async () => {
  for (const agent of agents) agent.kill("SIGKILL");
  await proxy?.stop();
  await store?.stop();
  for (const dir of mounts) spawnSync("umount", ["-l", dir]);
});

describe.skipIf(!canMount)("agent on a full disk", () => {
  it("keeps and delivers the spool, refuses new reports with 'disk full', stays up, and survives a restart", {
    timeout: 120_000,
  }, async () => {
    const disk = await smallDisk(2048);
    const state = join(disk, "state");
    const dir = await tempDir("assay-disk-full-");
    const file = join(dir, "agent.yaml");
    await writeFile(
      file,
      [
        "store:",
        `  url: ${proxy.url}`,
        "  enrolmentSecretEnv: E2E_ENROLMENT_SECRET",
        "  timeoutSeconds: 10",
        `stateDir: ${state}`,
        "heartbeat: { intervalSeconds: 0.5 }",
        "spool: { retryMinSeconds: 0.2, retryMaxSeconds: 0.5 }",
        "jobs:",
        "  - name: device-posture",
        '    schedule: "*/2 * * * * *"',
        "    runAtStart: true",
        "    collectors: [device]",
        `    config: ${SCAN_CONFIG}`,
        "",
      ].join("\n"),
    );
    const start = () => {
      const agent = new AgentProcess(bundle, file, { E2E_ENROLMENT_SECRET: SECRET });
      agents.push(agent);
      return agent;
    };

    // Enrol, then take the store away so reports pile up in the spool.
    const agent = start();
    await agent.waitForLine("enrolment", (l) => l.msg === "enrolled with the store");
    proxy.mode = "down";
    await waitFor(
      "two reports spooled while the store is away",
      () => agent.ids("report spooled").length >= 2 || undefined,
      60_000,
    );
    const spooled = agent.ids("report spooled");

    await fill(disk);
    const refused = await agent.waitForLine(
      "a new report refused for lack of space",
      (l) => l.code === "SPOOL_DISK_FULL",
      60_000,
    );
    expect(refused.msg).toMatch(/^disk full: report .* was NOT kept/);
    expect(refused.path).toBe(join(state, "spool"));
    const jobState = await agent.waitForLine(
      "job state not saved",
      (l) => /^disk full: .*jobs\.json/.test(l.msg),
      30_000,
    );
    expect(jobState.path).toBe(join(state, "jobs.json"));
    const spoolNow = (await readdir(join(state, "spool"))).filter((n) => n.endsWith(".json"));
    for (const id of spooled) expect(spoolNow).toContain(`${id}.json`);

    // Restart with the disk still full: it starts, and delivers everything it had.
    agent.kill("SIGTERM");
    expect((await agent.exited()).code).toBe(0);
    const again = start();
    await again.waitForLine("the restarted agent", (l) => l.msg === "agent started", 30_000);
    proxy.mode = "pass";
    await waitFor(
      "the spool delivered after the restart",
      async () => {
        const ledger = new Set(await store.ledgerReportIds(auditorToken));
        return spoolNow.every((name) => ledger.has(name.replace(/\.json$/, ""))) || undefined;
      },
      60_000,
    );
    expect(again.lines.some((l) => l.msg === "agent stopped")).toBe(false);
    // Its heartbeats tell the store about the spool and the disk.
    const admin = await store.createToken("admin");
    await waitFor(
      "the store to see the agent's disk trouble",
      async () => {
        const reply = await fetch(`${store.url}/v1/agents`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        const { agents: list } = (await reply.json()) as {
          agents: { lastError: string | null; spooled: number | null }[];
        };
        return (
          list.some((a) => /^disk full/.test(a.lastError ?? "") && typeof a.spooled === "number") || undefined
        );
      },
      30_000,
    );
    again.kill("SIGTERM");
    expect((await again.exited()).code).toBe(0);
  });

  it("a log file on a full disk drops lines with one notice instead of throwing", async () => {
    const disk = await smallDisk(64);
    await mkdir(join(disk, "logs"));
    const log = createAgentLogger("info", join(disk, "logs", "agent.log"));
    await fill(disk);
    const notices: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      notices.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      for (let i = 0; i < 200; i++) log.info({ i, pad: "x".repeat(200) }, "line");
    } finally {
      process.stderr.write = write;
    }
    expect(notices.filter((n) => n.includes("disk full: cannot write the log file"))).toHaveLength(1);
  });
});
