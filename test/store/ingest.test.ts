import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "../../src/core/canonical.js";
import { resolveProfile } from "../../src/core/profile.js";
import { signReport } from "../../src/core/signing.js";
import { verifyLedger } from "../../src/store/verify.js";
import {
  buildReport,
  databases,
  enrolAgent,
  freshDatabase,
  postReport,
  realisticFindings,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

async function counts(app: FastifyInstance) {
  const db = app.assay.store.db;
  const n = async (t: "reports" | "ledger" | "findings" | "current_state" | "drift_events") =>
    Number(
      (
        await db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    reports: await n("reports"),
    ledger: await n("ledger"),
    findings: await n("findings"),
    state: await n("current_state"),
    events: await n("drift_events"),
  };
}

describe.each(databases())("ingest and ledger on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let other: TestAgent;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { maxReportBytes: 256 * 1024 });
    agent = await enrolAgent(app);
    other = await enrolAgent(app, undefined, "laptop-7");
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("accepts a signed report, appends it to the ledger and answers 201 with its hash", async () => {
    const report = signedReport(agent, realisticFindings("host"));
    const res = await postReport(app, agent, report);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    // Entries 1 and 2 are the two agents' enrolments.
    expect(body).toEqual({ id: report.id, ledgerSeq: 3, hash: sha256Hex(canonicalJson(report)) });
    const c = await counts(app);
    expect(c).toMatchObject({ reports: 1, ledger: 3, findings: 40 });
  });

  it("keeps the organisation profile a report applied, as signed", async () => {
    const profile = resolveProfile({ name: "ACME 2026", password: { minLength: 14 } });
    const report = signReport(
      { ...buildReport(agent, realisticFindings("profile")), profile },
      agent.keys.privateKeyPem,
      agent.agentId,
    );
    const res = await postReport(app, agent, report);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().hash).toBe(sha256Hex(canonicalJson(report)));
    const row = await app.assay.store.db
      .selectFrom("reports")
      .select("body")
      .where("id", "=", report.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.body ?? "{}").profile).toMatchObject({
      name: "ACME 2026",
      digest: profile.digest,
      values: { password: { minLength: 14 } },
      overridden: ["password.minLength"],
    });
  });

  it("treats a retry of the same report as a duplicate: 200, same entry, nothing written", async () => {
    const report = signedReport(agent, realisticFindings("retry"));
    const first = await postReport(app, agent, report);
    expect(first.statusCode).toBe(201);
    const before = await counts(app);
    const [a, b] = await Promise.all([postReport(app, agent, report), postReport(app, agent, report)]);
    for (const res of [a, b]) {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ ...first.json(), duplicate: true });
    }
    expect(await counts(app)).toEqual(before);
  });

  it("refuses a different report reusing an accepted id with 409", async () => {
    const report = signedReport(agent, realisticFindings("conflict"));
    expect((await postReport(app, agent, report)).statusCode).toBe(201);
    const altered = signedReport(agent, realisticFindings("conflict", 2));
    const res = await postReport(app, agent, { ...altered, id: report.id, signature: undefined });
    // Re-sign with the reused id so only the id collision is wrong.
    const { signReport } = await import("../../src/core/signing.js");
    const resigned = signReport(
      { ...altered, id: report.id, signature: undefined },
      agent.keys.privateKeyPem,
      agent.agentId,
    );
    expect(res.statusCode).toBe(422);
    const conflict = await postReport(app, agent, resigned);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe("STORE_REPORT_ID_CONFLICT");
  });

  it("commits concurrent reports with a gap-free chain", async () => {
    const reports = Array.from({ length: 20 }, (_, i) =>
      signedReport(i % 2 ? agent : other, realisticFindings(`c${i}`)),
    );
    const results = await Promise.all(reports.map((r, i) => postReport(app, i % 2 ? agent : other, r)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    const verified = await verifyLedger(app.assay.store.db);
    expect(verified.ok).toBe(true);
    expect(verified.signaturesChecked + verified.recordsChecked).toBe(verified.entries);
    expect(verified.derivedChecked).toBe(true);
  });

  describe("rejects bad input with a clear 4xx and changes nothing", () => {
    const cases: {
      name: string;
      status: number;
      code: string;
      field?: string;
      make: () => { agent: () => TestAgent; body: unknown; token?: string | null };
    }[] = [
      {
        name: "no token",
        status: 401,
        code: "STORE_UNAUTHENTICATED",
        make: () => ({ agent: () => agent, body: signedReport(agent, realisticFindings("x")), token: null }),
      },
      {
        name: "forged token",
        status: 401,
        code: "STORE_BAD_TOKEN",
        make: () => ({
          agent: () => agent,
          body: signedReport(agent, realisticFindings("x")),
          token: `${agent.token.slice(0, -4)}AAAA`,
        }),
      },
      {
        name: "schema violation names the field",
        status: 400,
        code: "STORE_REPORT_INVALID",
        field: "findings.3.status",
        make: () => {
          const r = signedReport(agent, realisticFindings("x"));
          (r.findings[3] as { status: string }).status = "maybe";
          return { agent: () => agent, body: r };
        },
      },
      {
        name: "missing member",
        status: 400,
        code: "STORE_REPORT_INVALID",
        field: "summary",
        make: () => {
          const { summary: _s, ...rest } = signedReport(agent, realisticFindings("x"));
          return { agent: () => agent, body: rest };
        },
      },
      {
        name: "unsigned",
        status: 422,
        code: "STORE_REPORT_UNSIGNED",
        field: "signature",
        make: () => ({
          agent: () => agent,
          body: { ...signedReport(agent, realisticFindings("x")), signature: undefined },
        }),
      },
      {
        name: "tampered after signing",
        status: 422,
        code: "STORE_REPORT_BAD_SIGNATURE",
        make: () => {
          const r = signedReport(agent, realisticFindings("x"));
          r.findings[0]!.status = r.findings[0]!.status === "pass" ? "fail" : "pass";
          return { agent: () => agent, body: r };
        },
      },
      {
        name: "signed by another agent's key",
        status: 422,
        code: "STORE_REPORT_BAD_SIGNATURE",
        make: () => {
          const r = signedReport({ ...other, agentId: agent.agentId }, realisticFindings("x"));
          return { agent: () => agent, body: r };
        },
      },
      {
        name: "another agent's report",
        status: 403,
        code: "STORE_REPORT_WRONG_AGENT",
        field: "agent.id",
        make: () => ({ agent: () => agent, body: signedReport(other, realisticFindings("x")) }),
      },
      {
        name: "oversized",
        status: 413,
        code: "FST_ERR_CTP_BODY_TOO_LARGE",
        make: () => {
          const r = signedReport(agent, realisticFindings("x"));
          r.findings[0]!.message = "x".repeat(300 * 1024);
          return { agent: () => agent, body: r };
        },
      },
      {
        name: "not an object",
        status: 400,
        code: "STORE_REPORT_NOT_OBJECT",
        make: () => ({ agent: () => agent, body: [1, 2, 3] }),
      },
    ];
    it.each(cases)("$name -> $status", async (c) => {
      const before = await counts(app);
      const made = c.make();
      const token = made.token === undefined ? made.agent().token : made.token;
      const res = await app.inject({
        method: "POST",
        url: "/v1/reports",
        headers: token ? { authorization: `Bearer ${token}` } : {},
        payload: made.body as object,
      });
      expect(res.statusCode).toBe(c.status);
      const body = res.json();
      expect(body.error.code).toBe(c.code);
      expect(body.error.message.length).toBeGreaterThan(10);
      if (c.field) expect(body.error.field).toBe(c.field);
      expect(await counts(app)).toEqual(before);
    });

    it("malformed JSON -> 400", async () => {
      const before = await counts(app);
      const res = await app.inject({
        method: "POST",
        url: "/v1/reports",
        headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
        payload: '{"schemaVersion": 1,',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/JSON/i);
      expect(await counts(app)).toEqual(before);
    });
  });

  it("refuses an enrolment key that is not Ed25519 and a heartbeat for another agent", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .publicKey.export({ type: "spki", format: "pem" })
      .toString();
    const enrol = await app.inject({
      method: "POST",
      url: "/v1/enrol",
      payload: {
        enrolmentSecret: "test-enrolment-secret-0123456789",
        hostname: "h",
        platform: "linux",
        publicKeyPem: rsa,
      },
    });
    expect(enrol.statusCode).toBe(400);
    expect(enrol.json().error).toMatchObject({ code: "STORE_BAD_PUBLIC_KEY", field: "publicKeyPem" });
    const beat = await app.inject({
      method: "POST",
      url: "/v1/heartbeat",
      headers: { authorization: `Bearer ${agent.token}` },
      payload: { agentId: other.agentId },
    });
    expect(beat.statusCode).toBe(403);
    expect(beat.json().error.field).toBe("agentId");
  });

  describe("verify names a tampered entry", () => {
    it("passes on an untouched store", async () => {
      const result = await verifyLedger(app.assay.store.db);
      expect(result.ok).toBe(true);
      expect(result.entries).toBeGreaterThan(20);
    });

    const tamperings: {
      name: string;
      problem: RegExp;
      edit: (seq: number, id: string) => Promise<void>;
      undo: (seq: number, id: string, saved: Record<string, unknown>) => Promise<void>;
      save: (seq: number, id: string) => Promise<Record<string, unknown>>;
    }[] = [
      {
        name: "a report body",
        problem: /does not match the hash/,
        save: async (_s, id) =>
          app.assay.store.db
            .selectFrom("reports")
            .select("body")
            .where("id", "=", id)
            .executeTakeFirstOrThrow(),
        edit: async (_s, id) => {
          await app.assay.store.db
            .updateTable("reports")
            .set({ body: sql<string>`replace(body, '"status":"fail"', '"status":"pass"')` })
            .where("id", "=", id)
            .execute();
        },
        undo: async (_s, id, saved) => {
          await app.assay.store.db
            .updateTable("reports")
            .set({ body: saved.body as string })
            .where("id", "=", id)
            .execute();
        },
      },
      {
        name: "a ledger entry's content hash",
        problem: /entry hash does not match/,
        save: async (seq) =>
          app.assay.store.db
            .selectFrom("ledger")
            .select("content_hash")
            .where("seq", "=", seq)
            .executeTakeFirstOrThrow(),
        edit: async (seq) => {
          await app.assay.store.db
            .updateTable("ledger")
            .set({ content_hash: "f".repeat(64) })
            .where("seq", "=", seq)
            .execute();
        },
        undo: async (seq, _id, saved) => {
          await app.assay.store.db
            .updateTable("ledger")
            .set({ content_hash: saved.content_hash as string })
            .where("seq", "=", seq)
            .execute();
        },
      },
      {
        name: "a finding row served to auditors",
        problem: /differs from the signed report/,
        save: async (seq) =>
          app.assay.store.db
            .selectFrom("findings")
            .select(["id", "status"])
            .where("ledger_seq", "=", seq)
            .orderBy("id")
            .limit(1)
            .executeTakeFirstOrThrow(),
        edit: async (seq) => {
          const row = await app.assay.store.db
            .selectFrom("findings")
            .select(["id", "status"])
            .where("ledger_seq", "=", seq)
            .orderBy("id")
            .limit(1)
            .executeTakeFirstOrThrow();
          await app.assay.store.db
            .updateTable("findings")
            .set({ status: row.status === "pass" ? "fail" : "pass" })
            .where("id", "=", row.id)
            .execute();
        },
        undo: async (_seq, _id, saved) => {
          await app.assay.store.db
            .updateTable("findings")
            .set({ status: saved.status as string })
            .where("id", "=", saved.id as number)
            .execute();
        },
      },
      {
        name: "a deleted report",
        problem: /missing/,
        save: async (_s, id) =>
          app.assay.store.db.selectFrom("reports").selectAll().where("id", "=", id).executeTakeFirstOrThrow(),
        edit: async (_s, id) => {
          await app.assay.store.db.deleteFrom("reports").where("id", "=", id).execute();
        },
        undo: async (_s, _id, saved) => {
          await app.assay.store.db
            .insertInto("reports")
            .values(saved as never)
            .execute();
        },
      },
    ];

    it.each(tamperings)("detects an edit of $name", async (t) => {
      const entry = await app.assay.store.db
        .selectFrom("ledger")
        .select(["seq", "ref"])
        .where("kind", "=", "report")
        .orderBy("seq")
        .limit(1)
        .executeTakeFirstOrThrow();
      const seq = Number(entry.seq);
      const saved = await t.save(seq, entry.ref);
      await t.edit(seq, entry.ref);
      try {
        const result = await verifyLedger(app.assay.store.db);
        expect(result.ok).toBe(false);
        expect(result.broken).toContainEqual(
          expect.objectContaining({ seq, ref: entry.ref, problem: expect.stringMatching(t.problem) }),
        );
      } finally {
        await t.undo(seq, entry.ref, saved);
      }
      expect((await verifyLedger(app.assay.store.db)).ok).toBe(true);
    });
  });
});
