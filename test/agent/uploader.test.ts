import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Spool } from "../../src/agent/spool.js";
import { prepareStateDir, statePaths } from "../../src/agent/state.js";
import { StoreClient } from "../../src/agent/store-client.js";
import { Uploader } from "../../src/agent/uploader.js";
import { generateSigningKeyPair, signReport } from "../../src/core/signing.js";
import { ContractReceiver } from "./contract-receiver.js";
import { fileLogger, sampleReport, tempDir } from "./helpers.js";

const receivers: ContractReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.stop();
});

async function setup() {
  const receiver = new ContractReceiver("enrol-me");
  receivers.push(receiver);
  await receiver.start();
  const client = new StoreClient({ baseUrl: receiver.url, timeoutMs: 5000 });
  const key = generateSigningKeyPair();
  const enrolled = await client.enrol({
    enrolmentSecret: "enrol-me",
    hostname: "h",
    platform: "linux",
    publicKeyPem: key.publicKeyPem,
  });
  if (enrolled.kind !== "accepted") throw new Error("enrol failed");
  const paths = statePaths(join(await tempDir(), "state"));
  await prepareStateDir(paths);
  const logger = await fileLogger();
  const spool = new Spool(paths.spool, paths.quarantine, { maxBytes: 1 << 20, maxReports: 100 }, logger.log);
  const uploader = new Uploader({
    spool,
    client,
    token: () => enrolled.value.token,
    log: logger.log,
    retryMinMs: 50,
    retryMaxMs: 200,
  });
  const signed = () =>
    signReport(sampleReport(enrolled.value.agentId), key.privateKeyPem, enrolled.value.agentId);
  return { receiver, client, spool, uploader, signed, paths, logger, enrolled: enrolled.value };
}

describe("uploader", () => {
  it("delivers the spool oldest first and empties it", async () => {
    const { receiver, spool, uploader, signed } = await setup();
    const reports = [signed(), signed(), signed()];
    for (const r of reports) await spool.put(r);
    await uploader.kick();
    expect(receiver.accepted.map((r) => r.id)).toEqual(reports.map((r) => r.id));
    expect(await spool.ids()).toEqual([]);
  });

  it("keeps reports while the store is down and delivers them when it returns", async () => {
    const { receiver, spool, uploader, signed, logger } = await setup();
    receiver.failReportsWith = 503;
    const a = signed();
    await spool.put(a);
    await uploader.kick();
    expect(await spool.ids()).toEqual([a.id]);
    expect(uploader.waitingToRetry).toBe(true);
    expect((await logger.lines()).some((l) => l.msg === "store unavailable; reports stay in the spool")).toBe(
      true,
    );
    receiver.failReportsWith = undefined;
    await expect.poll(() => spool.ids(), { timeout: 5000 }).toEqual([]);
    expect(receiver.accepted.map((r) => r.id)).toEqual([a.id]);
    await uploader.stop();
  });

  it("treats a duplicate reply as delivered (the ack of an earlier send was lost)", async () => {
    const { receiver, client, spool, uploader, signed, enrolled } = await setup();
    const a = signed();
    expect((await client.sendReport(enrolled.token, JSON.stringify(a))).kind).toBe("accepted");
    await spool.put(a);
    await uploader.kick();
    expect(await spool.ids()).toEqual([]);
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.posts).toEqual([a.id, a.id]);
  });

  it("moves a report the store refuses for good to quarantine and goes on with the next", async () => {
    const { receiver, spool, uploader, signed, paths, enrolled } = await setup();
    const forged = { ...signed(), summary: { ...signed().summary, resources: 99 } };
    forged.id = signed().id;
    const good = signed();
    await spool.put(forged);
    await spool.put(good);
    await uploader.kick();
    expect(receiver.accepted.map((r) => r.id)).toEqual([good.id]);
    expect(await spool.ids()).toEqual([]);
    expect((await readdir(paths.quarantine)).some((n) => n.startsWith(forged.id))).toBe(true);
    expect(enrolled.agentId).toMatch(/^agent-/);
  });

  it("logs and retries when the spool cannot be read, instead of crashing the agent", async () => {
    const { spool, uploader, paths, logger } = await setup();
    await rm(paths.spool, { recursive: true });
    await uploader.kick();
    const line = (await logger.lines()).find((l) => l.msg === "delivering the spool failed");
    expect(String(line?.error)).toMatch(/ENOENT/);
    expect(uploader.waitingToRetry).toBe(true);
    await uploader.stop();
    await expect(spool.ids()).rejects.toThrow();
  });
});
