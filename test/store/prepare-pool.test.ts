import { createPublicKey, type KeyObject } from "node:crypto";
import type { Worker } from "node:worker_threads";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateSigningKeyPair } from "../../src/core/signing.js";
import { HttpError } from "../../src/store/http-error.js";
import { prepareReportBody } from "../../src/store/prepare.js";
import { PreparePool } from "../../src/store/prepare-pool.js";
import {
  buildReport,
  freshDatabase,
  realisticFindings,
  signedDeepBody,
  signedReport,
  type TestAgent,
  testApp,
} from "./fixtures.js";

/**
 * The prepare pool runs the checks of a posted report on worker threads (the compiled worker in dist/,
 * built by the test setup). Its answers must be those of the same checks run inline, errors included,
 * and a worker that dies must fail only its own requests.
 */

const keys = generateSigningKeyPair();
const agent: TestAgent = { agentId: "01JAGENTPREPAREPOOL000000A", token: "unused", keys };
const key: KeyObject = createPublicKey(keys.publicKeyPem);
const at = new Date("2026-12-04T12:00:00.000Z");
// Finished when "received": the store refuses report times more than a day after its clock.
const valid = JSON.stringify(signedReport(agent, realisticFindings("pool"), at));

async function outcome(run: () => Promise<unknown>) {
  try {
    const prepared = (await run()) as { hash: string; canonical: string; report: { id: string } };
    return { ok: true, hash: prepared.hash, canonical: prepared.canonical, id: prepared.report.id };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { ok: false, status: error.statusCode, code: error.code, field: error.field };
  }
}

describe("PreparePool", () => {
  const pools: PreparePool[] = [];
  const pool = (size: number) => {
    const p = new PreparePool(size);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  const bodies: [string, string][] = [
    ["valid", valid],
    ["malformed JSON", '{"schemaVersion": 1,'],
    ["empty", ""],
    ["prototype poisoning", '{"__proto__": {"admin": true}}'],
    ["not an object", "[1,2,3]"],
    ["unsigned", JSON.stringify(buildReport(agent, realisticFindings("u"), at))],
    [
      "another agent's",
      JSON.stringify({ ...JSON.parse(valid), agent: { ...JSON.parse(valid).agent, id: "x" } }),
    ],
    ["altered after signing", valid.replace('"status":"fail"', '"status":"pass"')],
    ["nested 5,000 deep", signedDeepBody(agent, 5000, at)],
    ["NUL in a message", valid.replace('"message":"', '"message":"\\u0000')],
  ];

  it("refuses a report nested 5,000 deep with a 400 from a worker too (its reply used to be lost)", async () => {
    for (const size of [0, 1]) {
      const got = await outcome(() =>
        pool(size).prepare(signedDeepBody(agent, 5000, at), { id: agent.agentId, key }, at),
      );
      expect(got).toMatchObject({ ok: false, status: 400, code: "STORE_JSON_TOO_DEEP" });
    }
  });

  it.each(bodies)("answers a %s body as the inline checks do, on workers and inline", async (_name, body) => {
    const inline = await outcome(async () => prepareReportBody(body, { id: agent.agentId, key }, at));
    for (const size of [0, 2]) {
      const got = await outcome(() => pool(size).prepare(body, { id: agent.agentId, key }, at));
      expect(got).toEqual(inline);
    }
  });

  it("keeps receivedAt and the agent of concurrent reports checked on two workers", async () => {
    const p = pool(2);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => p.prepare(valid, { id: agent.agentId, key }, at)),
    );
    for (const r of results) {
      expect(r.receivedAt).toEqual(at);
      expect(r.agentId).toBe(agent.agentId);
    }
  });

  it("fails only the requests of a worker that died, and replaces it", async () => {
    const p = pool(1);
    const inFlight = p.prepare(valid, { id: agent.agentId, key }, at);
    const slots = (p as unknown as { slots: { worker: Worker }[] }).slots;
    const dying = slots[0]!.worker;
    await dying.terminate();
    await expect(inFlight).rejects.toThrow(/worker exited/);
    expect(slots[0]!.worker).not.toBe(dying);
    const after = await p.prepare(valid, { id: agent.agentId, key }, at);
    expect(after.report.id).toBe(JSON.parse(valid).id);
  });

  it("answers 500, not a crash, when the checks themselves throw", async () => {
    const p = pool(1);
    const bogusKey = "not a key object" as unknown as KeyObject;
    await expect(p.prepare(valid, { id: agent.agentId, key: bogusKey }, at)).rejects.toThrow(
      /checking a report failed/,
    );
    const after = await p.prepare(valid, { id: agent.agentId, key }, at);
    expect(after.agentId).toBe(agent.agentId);
  });
});

describe.each([0, 1])("the ingest route with %i report-checking workers", (workers) => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const tdb = await freshDatabase({ name: "sqlite" });
    drop = tdb.drop;
    app = await testApp(tdb.options, { ingestWorkers: workers });
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  it("accepts a signed report once and refuses malformed JSON with 400", async () => {
    const { enrolAgent } = await import("./fixtures.js");
    const a = await enrolAgent(app);
    const body = JSON.stringify(signedReport(a, realisticFindings("route")));
    const post = (payload: string) =>
      app.inject({
        method: "POST",
        url: "/v1/reports",
        headers: { authorization: `Bearer ${a.token}`, "content-type": "application/json; charset=utf-8" },
        payload,
      });
    expect((await post(body)).statusCode).toBe(201);
    expect((await post(body)).statusCode).toBe(200);
    const bad = await post('{"id": ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("FST_ERR_CTP_INVALID_JSON_BODY");
    expect(app.assay.preparePool.size).toBe(workers);
  });
});
