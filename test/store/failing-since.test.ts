import { createPublicKey } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/db/connect.js";
import { migrateTo } from "../../src/store/db/migrations.js";
import { prepareReport } from "../../src/store/prepare.js";
import { verifyLedger } from "../../src/store/verify.js";
import {
  databases,
  enrolAgent,
  type FindingSpec,
  freshDatabase,
  personToken,
  postReport,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

/**
 * Issue 12, item 5: every findings row knows since when its (resource, rule) pair had failed without a break
 * *as of that observation* (current_state.since's rule, applied at each report), ingest writes it, the evidence
 * export carries it, verify recomputes it, and migration 0010 backfills it on a store written before it.
 */

const T = (day: number) => `2026-03-${String(day).padStart(2, "0")}T08:00:00.000Z`;
const ENC = "DEV-ENC-001";
const SSH = "DEV-SSH-001";

describe.each(databases())("failing since per finding on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let auditor: string;
  let clock = new Date(T(1));

  const open = async () => {
    app = await testApp(tdb.options, {}, { now: () => clock });
    auditor = await personToken(app, "auditor");
  };
  const rows = () =>
    app.assay.store.db
      .selectFrom("findings")
      .select(["id", "rule_id", "resource_uid", "status", "failing_since"])
      .orderBy("ledger_seq")
      .orderBy("id")
      .execute();
  /** `rule uid status failing-since` of every row, in ledger order. */
  const summary = async () =>
    (await rows()).map((r) => `${r.rule_id} ${r.resource_uid} ${r.status} ${r.failing_since ?? "-"}`);

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    await open();
    agent = await enrolAgent(app, "servers", "dev-a");
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  const enc = (status: FindingSpec["status"], uid = "dev-a"): FindingSpec => ({
    ruleId: ENC,
    resourceUid: uid,
    status,
  });
  const ssh = (status: FindingSpec["status"]): FindingSpec => ({ ruleId: SSH, resourceUid: "dev-a", status });

  // What each report's rows must say. A pass, an error and a disappearance (`gone`: the rule ran, the resource was
  // not reported) each end a run; failing again starts a new one at that report's time.
  const EXPECTED = [
    [`${ENC} dev-a fail ${T(1)}`, `${SSH} dev-a fail ${T(1)}`],
    [`${ENC} dev-a fail ${T(1)}`, `${SSH} dev-a pass -`],
    [`${ENC} dev-a pass -`, `${SSH} dev-a fail ${T(3)}`],
    [`${ENC} dev-a fail ${T(4)}`, `${SSH} dev-a fail ${T(3)}`],
    [`${ENC} dev-a error -`, `${SSH} dev-a fail ${T(3)}`],
    [`${ENC} dev-a fail ${T(6)}`, `${SSH} dev-a fail ${T(3)}`],
    [`${ENC} dev-b pass -`, `${SSH} dev-a fail ${T(3)}`],
    [`${ENC} dev-a fail ${T(8)}`, `${SSH} dev-a fail ${T(3)}`, `${ENC} dev-b fail ${T(8)}`],
    // One batch at T(9): each report reads the state the one before it left.
    [`${ENC} dev-a fail ${T(8)}`, `${SSH} dev-a fail ${T(3)}`],
    [`${ENC} dev-a pass -`, `${SSH} dev-a fail ${T(3)}`],
    [`${ENC} dev-a fail ${T(9)}`, `${SSH} dev-a fail ${T(3)}`],
  ].flat();

  it("writes each finding's failing-since as of its report, across reports and within one batch", async () => {
    const reports: FindingSpec[][] = [
      [enc("fail"), ssh("fail")],
      [enc("fail"), ssh("pass")],
      [enc("pass"), ssh("fail")],
      [enc("fail"), ssh("fail")],
      [enc("error"), ssh("fail")],
      [enc("fail"), ssh("fail")],
      [enc("pass", "dev-b"), ssh("fail")],
      [enc("fail"), ssh("fail"), enc("fail", "dev-b")],
    ];
    for (const [i, findings] of reports.entries()) {
      clock = new Date(T(i + 1));
      const res = await postReport(app, agent, signedReport(agent, findings, clock));
      expect(res.statusCode, res.body).toBe(201);
    }
    clock = new Date(T(9));
    const key = createPublicKey(agent.keys.publicKeyPem);
    const batch = [
      [enc("fail"), ssh("fail")],
      [enc("pass"), ssh("fail")],
      [enc("fail"), ssh("fail")],
    ].map((f) => prepareReport(signedReport(agent, f, clock), { id: agent.agentId, key }, clock));
    const results = await Promise.all(batch.map((r) => app.assay.writer.submit(r)));
    expect(new Set(results.map((r) => r.duplicate))).toEqual(new Set([false]));
    expect(await summary()).toEqual(EXPECTED);
    // The latest row of a failing pair holds what current_state holds.
    const state = await app.assay.store.db.selectFrom("current_state").selectAll().execute();
    expect(state.map((s) => `${s.rule_id} ${s.resource_uid} ${s.status} ${s.since}`).sort()).toEqual([
      `${ENC} dev-a fail ${T(9)}`,
      `${SSH} dev-a fail ${T(3)}`,
    ]);
  });

  it("exports it: failingSince on failing JSON lines only, failing_since as the last CSV column", async () => {
    const get = async (query: string) => {
      const res = await app.inject({
        method: "GET",
        url: `/v1/evidence?${query}`,
        headers: { authorization: `Bearer ${auditor}` },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.body;
    };
    const lines = (await get("format=jsonl"))
      .trimEnd()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as { ruleId: string; resourceUid: string; status: string; failingSince?: string },
      );
    expect(lines.map((l) => `${l.ruleId} ${l.resourceUid} ${l.status} ${l.failingSince ?? "-"}`)).toEqual(
      EXPECTED,
    );
    for (const l of lines) expect("failingSince" in l).toBe(l.status === "fail");
    const csv = (await get("format=csv")).trimEnd().split("\n");
    expect(csv[0]!.split(",").slice(-2)).toEqual(["report_hash", "failing_since"]);
    expect(csv.slice(1).map((row) => row.split(",").at(-1) || "-")).toEqual(
      EXPECTED.map((e) => e.split(" ").at(-1)),
    );
  });

  it("verify recomputes it from the ledger and names a row whose value was edited", async () => {
    expect((await verifyLedger(app.assay.store.db)).broken).toEqual([]);
    const all = await rows();
    const failing = all.find((r) => r.status === "fail" && r.failing_since === T(3))!;
    const passing = all.find((r) => r.status === "pass")!;
    const db = app.assay.store.db;
    await db
      .updateTable("findings")
      .set({ failing_since: T(2) })
      .where("id", "=", failing.id)
      .execute();
    await db
      .updateTable("findings")
      .set({ failing_since: T(2) })
      .where("id", "=", passing.id)
      .execute();
    const result = await verifyLedger(db);
    expect(result.ok).toBe(false);
    expect(result.counts).toEqual({ findings: 2 });
    expect(result.broken.map((b) => b.problem)).toEqual(
      [failing, passing]
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map(
          (r) =>
            expect.stringMatching(
              new RegExp(
                `^findings row ${r.id} \\(finding \\d, ${r.rule_id} on ${r.resource_uid}\\) has failing_since "${T(2)}" but replaying the ledger gives ${r === failing ? `"${T(3)}"` : "null"}$`,
              ),
            ) as unknown as string,
        ),
    );
    await db
      .updateTable("findings")
      .set({ failing_since: T(3) })
      .where("id", "=", failing.id)
      .execute();
    await db.updateTable("findings").set({ failing_since: null }).where("id", "=", passing.id).execute();
    expect((await verifyLedger(db)).ok).toBe(true);
  });

  it("migration 0010 backfills a store written before it with the values ingest writes", async () => {
    // The store above, taken back to schema 0009 (0010's down drops the column): its rows are what ingest wrote
    // before 0010, which differs from today's ingest only by that column. Then the app migrates it again.
    const written = await summary();
    await app.close();
    const store = await openDatabase({ ...tdb.options, dataDir: tdb.options.dataDir! } as {
      dataDir: string;
    });
    try {
      await migrateTo(store.db, store.dialect, "0009_daily_results_and_filter_indexes");
      const columns = (await store.db.introspection.getTables())
        .find((t) => t.name === "findings")!
        .columns.map((c) => c.name);
      expect(columns).not.toContain("failing_since");
    } finally {
      await store.close();
    }
    await open();
    expect(await summary()).toEqual(written);
    expect(await summary()).toEqual(EXPECTED);
    expect((await verifyLedger(app.assay.store.db)).broken).toEqual([]);
    // Ingest goes on from the migrated state: the run that began at T(3) continues.
    clock = new Date(T(10));
    const res = await postReport(app, agent, signedReport(agent, [enc("fail"), ssh("fail")], clock));
    expect(res.statusCode, res.body).toBe(201);
    expect((await summary()).slice(-2)).toEqual([`${ENC} dev-a fail ${T(9)}`, `${SSH} dev-a fail ${T(3)}`]);
  });
});
