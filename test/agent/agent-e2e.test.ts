import { execFile } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newReportId } from "../../src/core/ids.js";
import { tempDir } from "./helpers.js";
import { AgentProcess, freePort, StoreProcess, StoreProxy, waitFor } from "./processes.js";

/**
 * The agent and the store as real child processes: the agent is the single-file bundle MDM deploys, the
 * store is `assay store serve` on SQLite. What is checked is what the evidence ledger holds: every report
 * the agent produced arrives, and arrives once.
 */
const SECRET = "agent-e2e-enrolment-secret-0123";
const SCAN_CONFIG = resolve("test/agent/fixtures/scan.yaml");
let bundle: string;
let store: StoreProcess;
let proxy: StoreProxy;
let auditorToken: string;
const agents: AgentProcess[] = [];

async function agentConfig(
  url: string,
  spool = "{ retryMinSeconds: 0.2, retryMaxSeconds: 1 }",
  shutdownGraceSeconds = 10,
): Promise<{ file: string; stateDir: string }> {
  const dir = await tempDir("assay-agent-e2e-");
  const state = join(dir, "state");
  const file = join(dir, "agent.yaml");
  await writeFile(
    file,
    [
      "store:",
      `  url: ${url}`,
      "  enrolmentSecretEnv: E2E_ENROLMENT_SECRET",
      "  timeoutSeconds: 10",
      `stateDir: ${state}`,
      "heartbeat: { intervalSeconds: 0.5 }",
      `spool: ${spool}`,
      `shutdownGraceSeconds: ${shutdownGraceSeconds}`,
      "jobs:",
      "  - name: device-posture",
      '    schedule: "*/2 * * * * *"',
      "    runAtStart: true",
      "    collectors: [device]",
      `    config: ${SCAN_CONFIG}`,
      "",
    ].join("\n"),
  );
  return { file, stateDir: state };
}

function startAgent(configFile: string): AgentProcess {
  const agent = new AgentProcess(bundle, configFile, { E2E_ENROLMENT_SECRET: SECRET });
  agents.push(agent);
  return agent;
}

function counts(ids: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const id of ids) map.set(id, (map.get(id) ?? 0) + 1);
  return map;
}

/** Every id was accepted into the ledger exactly once, and no id in the ledger appears twice. */
async function expectExactlyOnce(ids: string[]): Promise<void> {
  const ledger = counts(await store.ledgerReportIds(auditorToken));
  for (const id of ids) expect(ledger.get(id), `report ${id} in the ledger`).toBe(1);
  expect([...ledger.values()].every((n) => n === 1)).toBe(true);
}

beforeAll(async () => {
  const out = await tempDir("assay-bundle-");
  await promisify(execFile)(process.execPath, ["agent/bundle.mjs", out]);
  bundle = join(out, "assay-agent.mjs");
}, 120_000);

// Each test enrols a new agent on this same machine, and a device resource belongs to the first agent that
// reports it (store ownership: another agent's report naming it is refused with 403). So each test gets a
// store of its own, and the agents of earlier tests are gone before it starts.
beforeEach(async () => {
  for (const agent of agents.splice(0)) agent.kill("SIGKILL");
  await freshStore();
}, 60_000);

async function freshStore(): Promise<void> {
  await store?.stop();
  store = new StoreProcess(join(await tempDir("assay-store-"), "data"), await freePort(), SECRET);
  auditorToken = await store.createToken("auditor");
  await store.start();
  if (!proxy) {
    proxy = new StoreProxy(() => store.port);
    await proxy.start();
  }
}

afterAll(async () => {
  for (const agent of agents) agent.kill("SIGKILL");
  await proxy?.stop();
  await store?.stop();
});

describe("agent against a real store", () => {
  it("delivers every report made while the store was down exactly once after it returns, and stops cleanly on SIGTERM", {
    timeout: 90_000,
  }, async () => {
    const config = await agentConfig(store.url);
    const agent = startAgent(config.file);
    const first = await agent.waitForLine("a first delivery", (l) => l.msg === "report delivered");

    await store.stop();
    const spooledBefore = agent.ids("report spooled").length;
    await agent.waitForLine(
      "the outage to be noticed",
      (l) => l.msg === "store unavailable; reports stay in the spool",
    );
    await waitFor(
      "three reports made during the outage",
      () => agent.ids("report spooled").length >= spooledBefore + 3 || undefined,
    );
    const madeDuringOutage = agent.ids("report spooled").slice(spooledBefore);
    expect((await readdir(join(config.stateDir, "spool"))).length).toBeGreaterThanOrEqual(3);

    await store.start();
    await waitFor("the spool to drain", () => {
      const delivered = new Set([
        ...agent.ids("report delivered"),
        ...agent.ids("report was already delivered; removed from spool"),
      ]);
      return madeDuringOutage.every((id) => delivered.has(id)) || undefined;
    });
    agent.kill("SIGTERM");
    const exit = await agent.exited();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(agent.lines.at(-1)?.msg).toBe("agent stopped");

    // Everything the agent spooled (including reports finished just before SIGTERM) is either in the ledger
    // once or still in the spool for the next start: nothing lost, nothing twice.
    const spooled = agent.ids("report spooled");
    const left = (await readdir(join(config.stateDir, "spool"))).map((n) => n.replace(/\.json$/, ""));
    await expectExactlyOnce([first.reportId as string, ...spooled.filter((id) => !left.includes(id))]);
    expect(madeDuringOutage.every((id) => !left.includes(id))).toBe(true);

    // Tight permissions on the state folder, and no secret in the logs.
    expect((await stat(config.stateDir)).mode & 0o777).toBe(0o700);
    for (const name of ["identity.json", "signing-key.pem", "jobs.json"]) {
      expect((await stat(join(config.stateDir, name))).mode & 0o777).toBe(0o600);
    }
    const { token } = JSON.parse(await readFile(join(config.stateDir, "identity.json"), "utf8")) as {
      token: string;
    };
    expect(agent.raw).not.toContain(SECRET);
    expect(agent.raw).not.toContain(token);
  });

  it("loses nothing and duplicates nothing when killed -9 while the store's ack is in flight", {
    timeout: 90_000,
  }, async () => {
    const config = await agentConfig(proxy.url);
    proxy.mode = "pass";
    const held = proxy.holdNextReport();
    const agent = startAgent(config.file);
    const heldId = await held;
    agent.kill("SIGKILL");
    await agent.exited();
    // The store accepted it; the agent never heard. It is still in the agent's spool.
    expect(await readdir(join(config.stateDir, "spool"))).toContain(`${heldId}.json`);
    await expectExactlyOnce([heldId]);

    const again = startAgent(config.file);
    await again.waitForLine(
      "the re-send to be recognised",
      (l) => l.msg === "report was already delivered; removed from spool" && l.reportId === heldId,
    );
    await again.waitForLine("a new delivery", (l) => l.msg === "report delivered");
    again.kill("SIGTERM");
    await again.exited();
    await expectExactlyOnce([heldId, ...again.ids("report delivered")]);
  });

  it("keeps every spooled report when killed -9 in the middle of a scan, and catches the scan up", {
    timeout: 90_000,
  }, async () => {
    const config = await agentConfig(proxy.url);
    proxy.mode = "pass";
    const agent = startAgent(config.file);
    await agent.waitForLine("enrolment", (l) => l.msg === "agent started");
    proxy.mode = "down";
    const deliveredBefore = agent.ids("report delivered");
    await waitFor(
      "two reports spooled while the store is down",
      () => agent.ids("report spooled").length >= 2 || undefined,
    );
    // Kill at the very moment the next scan starts.
    let killedAtScan = false;
    agent.onLine((line) => {
      if (line.msg === "job started" && !killedAtScan) {
        killedAtScan = true;
        agent.kill("SIGKILL");
      }
    });
    await agent.exited();
    expect(killedAtScan).toBe(true);
    const spooled = agent.ids("report spooled").filter((id) => !deliveredBefore.includes(id));
    // Nothing was spooled after the interrupted scan started.
    const lastStart = agent.lines.map((l) => l.msg).lastIndexOf("job started");
    expect(agent.lines.slice(lastStart).some((l) => l.msg === "report spooled")).toBe(false);
    const onDisk = (await readdir(join(config.stateDir, "spool")))
      .filter((n) => n.endsWith(".json"))
      .map((n) => n.replace(/\.json$/, ""));
    expect(onDisk.sort()).toEqual([...spooled].sort());

    proxy.mode = "pass";
    const again = startAgent(config.file);
    await again.waitForLine(
      "the interrupted slot to be caught up",
      (l) => l.msg === "catch-up run scheduled",
    );
    await waitFor("the old reports and a new one to arrive", () => {
      const delivered = again.ids("report delivered");
      return (
        (spooled.every((id) => delivered.includes(id)) && delivered.some((id) => !spooled.includes(id))) ||
        undefined
      );
    });
    again.kill("SIGTERM");
    await again.exited();
    await expectExactlyOnce([...deliveredBefore, ...spooled, ...again.ids("report delivered")]);
    // Oldest first: the reports made before the kill went out before the new one.
    const order = again.ids("report delivered");
    expect(order.slice(0, spooled.length)).toEqual([...spooled].sort());
  });

  it("quarantines a corrupt spool file with a log line and keeps running", { timeout: 90_000 }, async () => {
    const config = await agentConfig(proxy.url);
    proxy.mode = "pass";
    const agent = startAgent(config.file);
    await agent.waitForLine("enrolment", (l) => l.msg === "agent started");
    agent.kill("SIGTERM");
    await agent.exited();

    const corruptId = newReportId(Date.now() - 60_000);
    await writeFile(join(config.stateDir, "spool", `${corruptId}.json`), '{"schemaVersion":1,"id":"01J');
    const again = startAgent(config.file);
    const line = await again.waitForLine(
      "the quarantine log line",
      (l) => l.msg === "spool file quarantined",
    );
    expect(line.file).toBe(`${corruptId}.json`);
    expect(String(line.reason)).toMatch(/not valid JSON/);
    await again.waitForLine("a delivery after the quarantine", (l) => l.msg === "report delivered");
    const quarantined = await readdir(join(config.stateDir, "spool-quarantine"));
    expect(quarantined.some((n) => n.startsWith(`${corruptId}.json.`))).toBe(true);
    expect(await readdir(join(config.stateDir, "spool"))).not.toContain(`${corruptId}.json`);
    again.kill("SIGTERM");
    expect((await again.exited()).code).toBe(0);
  });

  it("refuses new reports loudly when the spool is full and keeps the old ones", {
    timeout: 90_000,
  }, async () => {
    const config = await agentConfig(
      proxy.url,
      "{ maxReports: 2, retryMinSeconds: 0.2, retryMaxSeconds: 1 }",
    );
    proxy.mode = "pass";
    const agent = startAgent(config.file);
    await agent.waitForLine("enrolment", (l) => l.msg === "agent started");
    proxy.mode = "down";
    const deliveredBefore = agent.ids("report delivered");
    const full = await agent.waitForLine("the spool-full error", (l) => l.code === "SPOOL_FULL");
    expect(full.level).toBe(50);
    expect(full.msg).toMatch(/spool full .* was NOT kept; older reports are kept/);
    const kept = agent.ids("report spooled").filter((id) => !deliveredBefore.includes(id));
    const onDisk = (await readdir(join(config.stateDir, "spool"))).map((n) => n.replace(/\.json$/, ""));
    expect(onDisk.sort()).toEqual([...kept].sort());
    expect(kept.length).toBeLessThanOrEqual(2);

    proxy.mode = "pass";
    await waitFor("the kept reports to arrive", () => {
      const delivered = agent.ids("report delivered");
      return kept.every((id) => delivered.includes(id)) || undefined;
    });
    agent.kill("SIGTERM");
    await agent.exited();
    await expectExactlyOnce([...deliveredBefore, ...kept]);
  });

  it("on SIGTERM lets an upload finish within the grace, else parks it in the spool", {
    timeout: 90_000,
  }, async () => {
    // The store's reply arrives 300 ms after SIGTERM: the agent waits for it and removes the report.
    const finishing = await agentConfig(proxy.url, undefined, 5);
    proxy.mode = "pass";
    const held = proxy.holdNextReport(800);
    const agent = startAgent(finishing.file);
    const heldId = await held;
    await new Promise((r) => setTimeout(r, 500));
    agent.kill("SIGTERM");
    expect(await agent.exited()).toEqual({ code: 0, signal: null });
    expect(agent.ids("report delivered")).toContain(heldId);
    expect(await readdir(join(finishing.stateDir, "spool"))).not.toContain(`${heldId}.json`);
    await expectExactlyOnce([heldId]);
    // The next agent is another enrolment on this machine: it needs a store where the device is not yet owned.
    await freshStore();

    // The reply never comes: after the 1 s grace the upload is abandoned and the report stays spooled.
    const parking = await agentConfig(proxy.url, undefined, 1);
    const heldForever = proxy.holdNextReport();
    const second = startAgent(parking.file);
    const parkedId = await heldForever;
    second.kill("SIGTERM");
    expect(await second.exited()).toEqual({ code: 0, signal: null });
    expect(
      second.lines.some(
        (l) =>
          l.msg === "upload interrupted by shutdown; report stays in the spool" && l.reportId === parkedId,
      ),
    ).toBe(true);
    expect(await readdir(join(parking.stateDir, "spool"))).toContain(`${parkedId}.json`);
    await expectExactlyOnce([parkedId]);
  });
});
