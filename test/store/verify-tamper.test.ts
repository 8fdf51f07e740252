import type { FastifyInstance } from "fastify";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signReport } from "../../src/core/signing.js";
import type { Database } from "../../src/store/db/schema.js";
import { type VerifyResult, verifyLedger } from "../../src/store/verify.js";
import {
  buildReport,
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

type Db = Kysely<Database>;

class Rollback extends Error {}

/**
 * Each tampering is made with direct SQL inside a transaction, verify runs inside it (seeing the edit),
 * and the transaction is rolled back, so every case starts from the same intact store.
 */
async function verifyTampered(app: FastifyInstance, edit: (db: Db) => Promise<void>): Promise<VerifyResult> {
  let result: VerifyResult | undefined;
  try {
    await app.assay.store.db.transaction().execute(async (trx) => {
      await edit(trx);
      result = await verifyLedger(trx);
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return result!;
}

const firstFinding = (db: Db, where: (q: ReturnType<typeof findingsOf>) => ReturnType<typeof findingsOf>) =>
  where(findingsOf(db)).orderBy("id").limit(1).executeTakeFirstOrThrow();
const findingsOf = (db: Db) => db.selectFrom("findings").selectAll();

describe.each(databases())("verify covers everything an auditor receives, on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let device: TestAgent;
  let scanner: TestAgent;
  let gone: TestAgent;
  let admin: string;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options);
    admin = await personToken(app, "admin");
    const asAdmin = { authorization: `Bearer ${admin}` };
    device = await enrolAgent(app, undefined, "laptop-1");
    scanner = await enrolAgent(app, undefined, "scanner-1");
    gone = await enrolAgent(app, undefined, "laptop-old");
    const rules = ["DEV-ENC-001", "DEV-PATCH-001", "DEV-SSH-001"] as const;
    const post = async (agent: TestAgent, report: object) => {
      const res = await postReport(app, agent, report);
      expect(res.statusCode, res.body).toBe(201);
    };
    await post(
      device,
      signedReport(
        device,
        rules.map((ruleId) => ({ ruleId, resourceUid: "device:1", status: "pass" as const })),
      ),
    );
    // A regression, and an exception on one finding (what an auditor reads as "accepted risk").
    const withException = buildReport(
      device,
      rules.map((ruleId) => ({
        ruleId,
        resourceUid: "device:1",
        status: ruleId === "DEV-PATCH-001" ? "fail" : "pass",
      })),
    );
    withException.findings[2]!.exception = {
      owner: "ciso@example.test",
      reason: "vendor patch pending",
      expires: "2026-12-31",
    };
    await post(device, signReport(withException, device.keys.privateKeyPem, device.agentId));
    await post(
      gone,
      signedReport(gone, [{ ruleId: "DEV-ENC-001", resourceUid: "device:old", status: "fail" }]),
    );
    expect(
      (
        await app.inject({
          method: "PUT",
          url: `/v1/agents/${scanner.agentId}/scopes`,
          headers: asAdmin,
          payload: { scopes: ["aws:123456789012"] },
        })
      ).statusCode,
    ).toBe(200);
    await post(
      scanner,
      signedReport(scanner, [{ ruleId: "AWS-S3-001", resourceUid: "arn:aws:s3:::logs", status: "fail" }]),
    );
    expect(
      (
        await app.inject({
          method: "POST",
          url: "/v1/resources/rebind",
          headers: asAdmin,
          payload: { uid: "device:old", agentId: device.agentId, reason: "re-enrolled" },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: "DELETE", url: `/v1/agents/${gone.agentId}`, headers: asAdmin }))
        .statusCode,
    ).toBe(204);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("passes on the intact store, derived tables recomputed", async () => {
    const result = await verifyLedger(app.assay.store.db);
    expect(result.broken).toEqual([]);
    expect(result).toMatchObject({
      ok: true,
      problems: 0,
      derivedChecked: true,
      reportsChecked: 4,
      signaturesChecked: 4,
    });
    // Three enrolments, a scope change, a re-bind, a revocation.
    expect(result.recordsChecked).toBe(6);
  });

  const cases: { name: string; category: string; problem: RegExp; edit: (db: Db) => Promise<void> }[] = [
    {
      name: "a finding's observed time (back-dated)",
      category: "findings",
      problem: /differs from the signed report in .*observed_at/,
      edit: async (db) => {
        const f = await firstFinding(db, (q) => q.where("status", "=", "fail"));
        await db
          .updateTable("findings")
          .set({ observed_at: "2020-01-01T00:00:00.000Z" })
          .where("id", "=", f.id)
          .execute();
      },
    },
    {
      name: "a forged exception on a finding",
      category: "findings",
      problem: /in .*exception/,
      edit: async (db) => {
        const f = await firstFinding(db, (q) =>
          q.where("exception", "is", null).where("status", "=", "fail"),
        );
        await db
          .updateTable("findings")
          .set({ exception: JSON.stringify({ owner: "someone", reason: "forged", expires: "2099-01-01" }) })
          .where("id", "=", f.id)
          .execute();
      },
    },
    {
      name: "an exception removed",
      category: "findings",
      problem: /in .*exception/,
      edit: async (db) => {
        await db
          .updateTable("findings")
          .set({ exception: null })
          .where("exception", "is not", null)
          .execute();
      },
    },
    {
      name: "a finding's resource type",
      category: "findings",
      problem: /in .*resource_type/,
      edit: async (db) => {
        const f = await firstFinding(db, (q) => q);
        await db
          .updateTable("findings")
          .set({ resource_type: "aws.s3.bucket" })
          .where("id", "=", f.id)
          .execute();
      },
    },
    {
      name: "a finding's agent id",
      category: "findings",
      problem: /in .*agent_id/,
      edit: async (db) => {
        const f = await firstFinding(db, (q) => q);
        await db.updateTable("findings").set({ agent_id: scanner.agentId }).where("id", "=", f.id).execute();
      },
    },
    {
      name: "a findings row added to a report",
      category: "findings",
      problem: /findings but \d+ are stored for export/,
      edit: async (db) => {
        const { id: _id, ...f } = await firstFinding(db, (q) => q);
        await db
          .insertInto("findings")
          .values({ ...f, status: "pass" })
          .execute();
      },
    },
    {
      name: "a findings row naming no stored report",
      category: "findings",
      problem: /which is not stored/,
      edit: async (db) => {
        const { id: _id, ...f } = await firstFinding(db, (q) => q);
        await db
          .insertInto("findings")
          .values({ ...f, report_id: "01JAAAAAAAAAAAAAAAAAAAAAAA" })
          .execute();
      },
    },
    {
      name: "a report row's finish time",
      category: "report",
      problem: /report row differs from the signed report in finished_at/,
      edit: async (db) => {
        await db
          .updateTable("reports")
          .set({ finished_at: "2020-01-01T00:00:00.000Z" })
          .where("agent_id", "=", gone.agentId)
          .execute();
      },
    },
    {
      name: "a current-state status",
      category: "current_state",
      problem: /current_state row .* differs from the ledger in .*status/,
      edit: async (db) => {
        await db.updateTable("current_state").set({ status: "pass" }).where("status", "=", "fail").execute();
      },
    },
    {
      name: "a current-state row deleted",
      category: "current_state",
      problem: /derived from the ledger is missing/,
      edit: async (db) => {
        await db.deleteFrom("current_state").where("resource_uid", "=", "arn:aws:s3:::logs").execute();
      },
    },
    {
      name: "drift events deleted",
      category: "drift_events",
      problem: /drift_events row regressed device:1 .* is missing/,
      edit: async (db) => {
        await db.deleteFrom("drift_events").where("type", "=", "regressed").execute();
      },
    },
    {
      name: "a drift event credited to another agent",
      category: "drift_events",
      problem: /differs from the ledger in .*agent_id/,
      edit: async (db) => {
        await db
          .updateTable("drift_events")
          .set({ agent_id: scanner.agentId })
          .where("type", "=", "regressed")
          .execute();
      },
    },
    {
      name: "a forged drift event with no report",
      category: "drift_events",
      problem: /only agent-silent and agent-stuck events may/,
      edit: async (db) => {
        await db
          .insertInto("drift_events")
          .values({
            at: "2026-01-01T00:00:00.000Z",
            type: "resolved",
            agent_id: device.agentId,
            resource_uid: "device:1",
            rule_id: "DEV-PATCH-001",
            from_status: "fail",
            to_status: "pass",
            severity: "high",
            policy: "patching",
            controls: "",
            message: "forged",
            report_id: null,
            ledger_seq: null,
          })
          .execute();
      },
    },
    {
      name: "an asset's owner",
      category: "assets",
      problem: /assets row device:1 differs from the ledger in .*agent_id/,
      edit: async (db) => {
        await db
          .updateTable("assets")
          .set({ agent_id: scanner.agentId })
          .where("uid", "=", "device:1")
          .execute();
      },
    },
    {
      name: "a resource owner",
      category: "resource_owners",
      problem: /resource_owners row device:1 differs from the ledger in .*agent_id/,
      edit: async (db) => {
        await db
          .updateTable("resource_owners")
          .set({ agent_id: scanner.agentId })
          .where("uid", "=", "device:1")
          .execute();
      },
    },
    {
      name: "an agent's key (a key change outside the ledger)",
      category: "agents",
      problem: /differs from its ledger entries in .*public_key_pem/,
      edit: async (db) => {
        await db
          .updateTable("agents")
          .set({ public_key_pem: scanner.keys.publicKeyPem })
          .where("id", "=", device.agentId)
          .execute();
      },
    },
    {
      name: "an agent's token hash",
      category: "agents",
      problem: /in .*token_hash/,
      edit: async (db) => {
        await db
          .updateTable("agents")
          .set({ token_hash: "0".repeat(64) })
          .where("id", "=", device.agentId)
          .execute();
      },
    },
    {
      name: "a revocation undone",
      category: "agents",
      problem: /in .*revoked_at/,
      edit: async (db) => {
        await db.updateTable("agents").set({ revoked_at: null }).where("id", "=", gone.agentId).execute();
      },
    },
    {
      name: "an agent's scopes widened",
      category: "agents",
      problem: /in .*scopes/,
      edit: async (db) => {
        await db
          .updateTable("agents")
          .set({ scopes: '["aws:123456789012","aws:999999999999"]' })
          .where("id", "=", scanner.agentId)
          .execute();
      },
    },
    {
      name: "an agent inserted without enrolment",
      category: "agents",
      problem: /has no enrolment entry/,
      edit: async (db) => {
        const row = await db
          .selectFrom("agents")
          .selectAll()
          .where("id", "=", device.agentId)
          .executeTakeFirstOrThrow();
        await db
          .insertInto("agents")
          .values({ ...row, id: "01JBBBBBBBBBBBBBBBBBBBBBBB" })
          .execute();
      },
    },
    {
      name: "a re-bind record",
      category: "record",
      problem: /identity record does not match the hash/,
      edit: async (db) => {
        await db
          .updateTable("ledger_records")
          .set({ body: sql<string>`replace(body, 're-enrolled', 'nothing to see')` })
          .where("kind", "=", "resource-rebound")
          .execute();
      },
    },
    {
      name: "an identity record deleted (an enrolment hidden)",
      category: "record",
      problem: /identity record this entry stands for is missing/,
      edit: async (db) => {
        await db.deleteFrom("ledger_records").where("kind", "=", "agent-scopes").execute();
      },
    },
    {
      name: "an identity record added outside the chain",
      category: "record",
      problem: /identity record has no ledger entry/,
      edit: async (db) => {
        await db
          .insertInto("ledger_records")
          .values({ id: "01JCCCCCCCCCCCCCCCCCCCCCCC", kind: "agent-scopes", ledger_seq: 9999, body: "{}" })
          .execute();
      },
    },
  ];

  it.each(cases)("names $name", async (c) => {
    const result = await verifyTampered(app, c.edit);
    expect(result.ok).toBe(false);
    expect(result.counts[c.category], JSON.stringify(result.broken)).toBeGreaterThanOrEqual(1);
    expect(result.broken).toContainEqual(
      expect.objectContaining({ problem: expect.stringMatching(c.problem) }),
    );
    expect(result.problems).toBe(Object.values(result.counts).reduce((a, b) => a + b, 0));
  });

  it("reports every tampering at once, with counts, not only the first", async () => {
    const result = await verifyTampered(app, async (db) => {
      for (const c of cases) await c.edit(db);
    });
    expect(result.ok).toBe(false);
    for (const c of cases) {
      expect(result.broken, c.name).toContainEqual(
        expect.objectContaining({ problem: expect.stringMatching(c.problem) }),
      );
    }
    // Edited or deleted findings rows no longer match the Overview's daily counts either (daily_results).
    expect(Object.keys(result.counts).sort()).toEqual(
      [
        "agents",
        "assets",
        "current_state",
        "daily_results",
        "drift_events",
        "findings",
        "record",
        "report",
        "resource_owners",
      ].sort(),
    );
    // Edits of one row are one problem naming every column that differs, so fewer problems than edits.
    expect(result.problems).toBeGreaterThanOrEqual(15);
    expect(result.broken.length).toBe(result.problems);
  });

  it("keeps checking the chain after a broken link", async () => {
    const result = await verifyTampered(app, async (db) => {
      await db
        .updateTable("ledger")
        .set({ content_hash: "f".repeat(64) })
        .where("seq", "=", 2)
        .execute();
      await db
        .updateTable("ledger")
        .set({ appended_at: "2020-01-01T00:00:00.000Z" })
        .where("seq", "=", 5)
        .execute();
    });
    const chain = result.broken.filter(
      (b) => b.kind !== "agents" && /entry hash does not match/.test(b.problem),
    );
    expect(chain.map((b) => b.seq)).toEqual([2, 5]);
  });
});
