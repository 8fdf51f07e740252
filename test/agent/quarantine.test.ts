import { readdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Spool } from "../../src/agent/spool.js";
import { prepareStateDir, statePaths } from "../../src/agent/state.js";
import { StoreClient } from "../../src/agent/store-client.js";
import { Uploader } from "../../src/agent/uploader.js";
import type { ScanReport } from "../../src/core/report.js";
import { generateSigningKeyPair, type SigningKeyPair, signReport } from "../../src/core/signing.js";
import {
  buildReport,
  ENROLMENT_SECRET,
  freshDatabase,
  type TestDatabase,
  testApp,
} from "../store/fixtures.js";
import { ContractReceiver } from "./contract-receiver.js";
import { fileLogger, sampleReport, tempDir } from "./helpers.js";

/*
 * Issue 10, item 3: the agent never head-of-line blocks. A report the store refuses for good goes to
 * quarantine with a log line naming the status, code and field, and the reports behind it are delivered;
 * refusals a retry can fix keep the report in the spool.
 */

const PG_URL = process.env.ASSAY_TEST_PG_URL;

async function agentSide(baseUrl: string) {
  const client = new StoreClient({ baseUrl, timeoutMs: 5000 });
  const keys = generateSigningKeyPair();
  const enrolled = await client.enrol({
    enrolmentSecret: ENROLMENT_SECRET,
    hostname: "laptop-9",
    platform: "linux",
    publicKeyPem: keys.publicKeyPem,
  });
  if (enrolled.kind !== "accepted") throw new Error(`enrol failed: ${enrolled.reason}`);
  const paths = statePaths(join(await tempDir(), "state"));
  await prepareStateDir(paths);
  const logger = await fileLogger();
  const spool = new Spool(paths.spool, paths.quarantine, { maxBytes: 8 << 20, maxReports: 100 }, logger.log);
  const uploader = new Uploader({
    spool,
    client,
    token: () => enrolled.value.token,
    log: logger.log,
    retryMinMs: 50,
    retryMaxMs: 200,
  });
  return {
    client,
    keys,
    agentId: enrolled.value.agentId,
    token: enrolled.value.token,
    paths,
    logger,
    spool,
    uploader,
  };
}

function report(agentId: string, keys: SigningKeyPair, edit: (r: ScanReport) => void = () => {}): ScanReport {
  const r = buildReport({ agentId, hostname: "laptop-9" }, [
    { ruleId: "DEV-ENC-001", resourceUid: `device-${agentId}`, status: "pass" },
  ]);
  edit(r);
  return signReport(r, keys.privateKeyPem, agentId);
}

describe.skipIf(!PG_URL)("agent spool against a real PostgreSQL-backed store", () => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let baseUrl: string;

  beforeAll(async () => {
    tdb = await freshDatabase({ name: "postgres", pgUrl: PG_URL! });
    app = await testApp(tdb.options);
    await app.listen({ host: "127.0.0.1", port: 0 });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("quarantines reports refused for good (bad ones first in the spool) and delivers the rest", async () => {
    const agent = await agentSide(baseUrl);
    const { keys, agentId, spool, uploader, paths, logger } = agent;

    // A report accepted earlier, then a different report under the same id (409).
    const earlier = report(agentId, keys);
    expect((await agent.client.sendReport(agent.token, JSON.stringify(earlier))).kind).toBe("accepted");
    const reused = report(agentId, keys, (r) => {
      r.id = earlier.id;
      r.agent.version = "0.2.0";
    });
    // ULIDs sort by time: the bad reports are made first, so they are first in the spool.
    const bad = {
      nul: report(agentId, keys, (r) => {
        r.findings[0]!.message = "truncated\u0000";
      }),
      surrogate: report(agentId, keys, (r) => {
        r.agent.hostname = "DESKTOP-\uD83D";
      }),
      otherAgent: report(agentId, keys, (r) => {
        r.agent.id = "agent-someone-else";
      }),
      badSignature: { ...report(agentId, keys), summary: { ...report(agentId, keys).summary, rules: 7 } },
      future: report(agentId, keys, (r) => {
        r.finishedAt = "9999-12-31T23:59:59.000Z";
      }),
    };
    bad.badSignature.id = report(agentId, keys).id;
    // A new millisecond: ULIDs made within one are not ordered among themselves.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const good = [report(agentId, keys), report(agentId, keys), report(agentId, keys)];
    await spool.put(reused);
    for (const r of Object.values(bad)) await spool.put(r);
    for (const r of good) await spool.put(r);
    const firstIds = (await spool.ids()).slice(0, 6);
    expect(firstIds).toEqual([earlier.id, ...Object.values(bad).map((r) => r.id)].sort());

    await uploader.kick();

    expect(await spool.ids()).toEqual([]);
    const stored = await app.assay.store.db.selectFrom("reports").select("id").execute();
    expect(stored.map((r) => r.id).sort()).toEqual([earlier.id, ...good.map((r) => r.id)].sort());
    const quarantined = await readdir(paths.quarantine);
    for (const r of [reused, ...Object.values(bad)]) {
      expect(quarantined.some((name) => name.startsWith(`${r.id}.json`))).toBe(true);
    }

    const refusals = (await logger.lines()).filter((l) =>
      String(l.msg).startsWith("store refused report for good"),
    );
    const byId = new Map(refusals.map((l) => [l.reportId, l]));
    expect(byId.get(bad.nul.id)).toMatchObject({
      status: 400,
      code: "STORE_UNSTORABLE_TEXT",
      field: "findings.0.message",
    });
    expect(byId.get(bad.surrogate.id)).toMatchObject({ status: 400, field: "agent.hostname" });
    expect(byId.get(bad.otherAgent.id)).toMatchObject({ status: 403, field: "agent.id" });
    expect(byId.get(bad.badSignature.id)).toMatchObject({ status: 422, code: "STORE_REPORT_BAD_SIGNATURE" });
    expect(byId.get(bad.future.id)).toMatchObject({
      status: 400,
      code: "STORE_TIMESTAMP_OUT_OF_RANGE",
      field: "finishedAt",
    });
    expect(byId.get(earlier.id)).toMatchObject({ status: 409, code: "STORE_REPORT_ID_CONFLICT" });
    await uploader.stop();
  });

  it("keeps the spool and retries while the store is unreachable (network error)", async () => {
    const agent = await agentSide(baseUrl);
    const offline = new Uploader({
      spool: agent.spool,
      client: new StoreClient({ baseUrl: "http://127.0.0.1:9", timeoutMs: 2000 }),
      token: () => agent.token,
      log: agent.logger.log,
      retryMinMs: 50,
      retryMaxMs: 200,
    });
    const r = report(agent.agentId, agent.keys);
    await agent.spool.put(r);
    await offline.kick();
    expect(await agent.spool.ids()).toEqual([r.id]);
    expect(offline.waitingToRetry).toBe(true);
    await offline.stop();
    expect(await readdir(agent.paths.quarantine)).toEqual([]);
  });
});

describe("which refusals the uploader retries", () => {
  const receivers: ContractReceiver[] = [];
  afterEach(async () => {
    for (const r of receivers.splice(0)) await r.stop();
  });

  it.each([500, 502, 503, 408, 429, 401, 404])(
    "HTTP %i keeps the report in the spool for a retry",
    async (status) => {
      const receiver = new ContractReceiver(ENROLMENT_SECRET);
      receivers.push(receiver);
      await receiver.start();
      const agent = await agentSide(receiver.url);
      receiver.failReportsWith = status;
      const r = signReport(sampleReport(agent.agentId), agent.keys.privateKeyPem, agent.agentId);
      await agent.spool.put(r);
      await agent.uploader.kick();
      expect(await agent.spool.ids()).toEqual([r.id]);
      expect(agent.uploader.waitingToRetry).toBe(true);
      expect(await readdir(agent.paths.quarantine)).toEqual([]);
      await agent.uploader.stop();
    },
  );

  it.each([400, 403, 409, 410, 413, 415, 422])(
    "HTTP %i moves the report to quarantine and goes on",
    async (status) => {
      const receiver = new ContractReceiver(ENROLMENT_SECRET);
      receivers.push(receiver);
      await receiver.start();
      const agent = await agentSide(receiver.url);
      receiver.failReportsWith = status;
      const r = signReport(sampleReport(agent.agentId), agent.keys.privateKeyPem, agent.agentId);
      await agent.spool.put(r);
      await agent.uploader.kick();
      expect(await agent.spool.ids()).toEqual([]);
      expect(agent.uploader.waitingToRetry).toBe(false);
      expect((await readdir(agent.paths.quarantine)).some((n) => n.startsWith(r.id))).toBe(true);
      const line = (await agent.logger.lines()).find((l) => l.reportId === r.id && l.status === status);
      expect(line).toMatchObject({ code: "TEST_FAILURE" });
      await agent.uploader.stop();
    },
  );
});
