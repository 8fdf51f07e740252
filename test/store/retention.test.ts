import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyLedger } from "../../src/store/verify.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  realisticFindings,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

describe.each(databases())("retention on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let admin: string;
  let auditor: string;
  let clock = new Date("2026-01-01T00:00:00Z");
  const day = 86_400_000;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { retention: { days: 30 } }, { now: () => clock });
    agent = await enrolAgent(app); // ledger entry 1: the enrolment
    admin = await personToken(app, "admin");
    auditor = await personToken(app, "auditor");
    // Six reports, ten days apart.
    for (let i = 0; i < 6; i++) {
      clock = new Date(Date.parse("2026-01-01T00:00:00Z") + i * 10 * day);
      const res = await postReport(app, agent, signedReport(agent, realisticFindings(`r${i}`), clock));
      expect(res.statusCode).toBe(201);
    }
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  const run = () =>
    app.inject({ method: "POST", url: "/v1/retention/run", headers: { authorization: `Bearer ${admin}` } });
  const evidenceRows = async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/evidence",
      headers: { authorization: `Bearer ${auditor}` },
    });
    return res.body
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { ledgerSeq: number });
  };

  it("disposes of evidence older than the period and records the disposal in the ledger", async () => {
    // Now = 2026-02-25: reports of Jan 1, 11 and 21 are older than 30 days (cutoff Jan 26).
    clock = new Date("2026-02-25T00:00:00Z");
    expect((await evidenceRows()).length).toBe(240);
    const res = await run();
    expect(res.statusCode).toBe(200);
    const { disposal } = res.json();
    expect(disposal).toMatchObject({
      cutoff: "2026-01-26T00:00:00.000Z",
      fromSeq: 2,
      toSeq: 4,
      reports: 3,
      findings: 120,
      ledgerSeq: 8,
    });

    const rows = await evidenceRows();
    expect(rows.length).toBe(120);
    expect(Math.min(...rows.map((r) => r.ledgerSeq))).toBe(5);
    const entry = await app.assay.store.db
      .selectFrom("ledger")
      .selectAll()
      .where("seq", "=", 8)
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ kind: "disposal", ref: disposal.id });
  });

  it("leaves a chain that still verifies, counting the disposed reports", async () => {
    const result = await verifyLedger(app.assay.store.db);
    expect(result).toMatchObject({ ok: true, entries: 8, reportsChecked: 3, disposedReports: 3 });
    // Disposed bodies cannot be replayed, and verify says so instead of passing the derived tables.
    expect(result.derivedChecked).toBe(false);
    expect(result.derivedNote).toMatch(/3 reports were disposed of/);
  });

  it("a second run with nothing old enough disposes of nothing", async () => {
    const res = await run();
    expect(res.json()).toEqual({ disposal: null });
    expect((await verifyLedger(app.assay.store.db)).entries).toBe(8);
  });

  it("verify names an edited disposal record", async () => {
    const db = app.assay.store.db;
    const saved = await db.selectFrom("disposals").selectAll().executeTakeFirstOrThrow();
    await db.updateTable("disposals").set({ to_seq: 5 }).where("id", "=", saved.id).execute();
    try {
      const result = await verifyLedger(db);
      expect(result.ok).toBe(false);
      expect(result.broken).toEqual([
        expect.objectContaining({
          seq: 8,
          kind: "disposal",
          ref: saved.id,
          problem: expect.stringMatching(/disposal record does not match/),
        }),
      ]);
    } finally {
      await db.updateTable("disposals").set({ to_seq: saved.to_seq }).where("id", "=", saved.id).execute();
    }
  });

  it("verify names a report deleted outside retention (body removed, no disposal)", async () => {
    const db = app.assay.store.db;
    const row = await db
      .selectFrom("reports")
      .select(["id", "body"])
      .where("ledger_seq", "=", 6)
      .executeTakeFirstOrThrow();
    await db.updateTable("reports").set({ body: null }).where("id", "=", row.id).execute();
    try {
      const result = await verifyLedger(db);
      expect(result.broken).toContainEqual(
        expect.objectContaining({
          seq: 6,
          ref: row.id,
          problem: expect.stringMatching(/no recorded disposal covers it/),
        }),
      );
    } finally {
      await db.updateTable("reports").set({ body: row.body }).where("id", "=", row.id).execute();
    }
    expect((await verifyLedger(db)).ok).toBe(true);
  });

  it("keeps accepting reports after a disposal, chained after it", async () => {
    clock = new Date("2026-02-26T00:00:00Z");
    const res = await postReport(app, agent, signedReport(agent, realisticFindings("after"), clock));
    expect(res.json().ledgerSeq).toBe(9);
    const last = await app.assay.store.db
      .selectFrom("ledger")
      .selectAll()
      .where("seq", "in", [8, 9])
      .orderBy("seq")
      .execute();
    expect(last[1]!.prev_hash).toBe(last[0]!.entry_hash);
    expect((await verifyLedger(app.assay.store.db)).ok).toBe(true);
  });
});
