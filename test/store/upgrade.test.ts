import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "../../src/core/canonical.js";
import { generateSigningKeyPair } from "../../src/core/signing.js";
import { openDatabase, type StoreDb } from "../../src/store/db/connect.js";
import { migrateTo } from "../../src/store/db/migrations.js";
import { applyStateDiff, diffState, encodeControls } from "../../src/store/drift.js";
import { LedgerAppender } from "../../src/store/ledger.js";
import { issueToken } from "../../src/store/tokens.js";
import { verifyLedger } from "../../src/store/verify.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  postReport,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

/**
 * A store written before ownership and identity entries existed (schema 0002, rows as ingest wrote them
 * then) is upgraded: the migration backfills an enrolment entry per agent and binds each reported resource
 * to the agent of its first report, so the upgraded store verifies and ownership holds from the start.
 */
describe.each(databases())("upgrading a store from before ownership, on $name", (database) => {
  let tdb: TestDatabase;
  let legacy: TestAgent;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    const store: StoreDb = await openDatabase({ dataDir: "./assay-data", ...tdb.options } as {
      dataDir: string;
    });
    try {
      await migrateTo(store.db, store.dialect, "0002_findings_period_index");
      const keys = generateSigningKeyPair();
      const issued = issueToken("agent");
      legacy = { agentId: issued.id, token: issued.token, keys };
      const at = "2026-03-01T10:00:00.000Z";
      const report = signedReport(
        legacy,
        [
          { ruleId: "DEV-ENC-001", resourceUid: "device:legacy", status: "fail" },
          { ruleId: "DEV-SSH-001", resourceUid: "device:legacy", status: "pass" },
        ],
        new Date(at),
      );
      const body = canonicalJson(report);
      await store.db.transaction().execute(async (trx) => {
        // biome-ignore lint/suspicious/noExplicitAny: the 0002 agents table has no scopes column yet
        await (trx as any)
          .insertInto("agents")
          .values({
            id: issued.id,
            hostname: "legacy-host",
            platform: "linux",
            group_name: "default",
            public_key_pem: keys.publicKeyPem,
            token_hash: issued.hash,
            version: "0.1.0",
            enrolled_at: "2026-02-01T00:00:00.000Z",
            last_seen_at: at,
            silent_since: null,
            revoked_at: null,
          })
          .execute();
        // A 0002 store has no Merkle tree table: migration 0005 builds the tree over these entries.
        const appender = await LedgerAppender.lock(trx, store.dialect, { tree: false });
        const entry = appender.next({
          kind: "report",
          ref: report.id,
          contentHash: sha256Hex(body),
          appendedAt: at,
        });
        await trx
          .insertInto("reports")
          .values({
            id: report.id,
            agent_id: issued.id,
            ledger_seq: entry.seq,
            received_at: at,
            started_at: report.startedAt,
            finished_at: report.finishedAt,
            body,
            disposal_id: null,
          })
          .execute();
        for (const f of report.findings) {
          await trx
            .insertInto("findings")
            .values({
              report_id: report.id,
              ledger_seq: entry.seq,
              agent_id: issued.id,
              observed_at: report.finishedAt,
              rule_id: f.ruleId,
              resource_uid: f.resourceUid,
              resource_type: f.resourceType,
              status: f.status,
              severity: f.severity,
              policy: f.policy,
              controls: encodeControls(f.controls),
              message: f.message,
              evidence: JSON.stringify(f.evidence),
              exception: null,
            })
            .execute();
        }
        const r = report.resources[0]!;
        await trx
          .insertInto("assets")
          .values({
            uid: r.uid,
            type: r.type,
            provider: r.provider,
            name: r.name,
            account: null,
            region: null,
            agent_id: issued.id,
            first_seen_at: at,
            last_seen_at: at,
            report_id: report.id,
          })
          .execute();
        await applyStateDiff(
          trx,
          diffState(new Map(), report, { agentId: issued.id, ledgerSeq: entry.seq, at }),
          false,
        );
        await appender.flush();
      });
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("backfills enrolment entries and owners; the upgraded store verifies and ownership holds", async () => {
    const app = await testApp(tdb.options);
    try {
      const before = await verifyLedger(app.assay.store.db);
      expect(before.broken).toEqual([]);
      expect(before).toMatchObject({ ok: true, derivedChecked: true, recordsChecked: 1, reportsChecked: 1 });
      // Two entries (the report, the backfilled enrolment): two leaves and their parent, built by 0005.
      expect(before.treeNodesChecked).toBe(3);
      const owner = await app.assay.store.db
        .selectFrom("resource_owners")
        .selectAll()
        .where("uid", "=", "device:legacy")
        .executeTakeFirstOrThrow();
      expect(owner).toMatchObject({ agent_id: legacy.agentId, scope: null });
      // Migration 0010 gave the legacy findings their failing-since: the failing one started its run with that
      // report (its ledger time), the passing one has none; verify's replay above agrees.
      const findings = await app.assay.store.db
        .selectFrom("findings")
        .select(["rule_id", "failing_since"])
        .orderBy("rule_id")
        .execute();
      expect(findings).toEqual([
        { rule_id: "DEV-ENC-001", failing_since: "2026-03-01T10:00:00.000Z" },
        { rule_id: "DEV-SSH-001", failing_since: null },
      ]);

      const intruder = await enrolAgent(app, undefined, "intruder");
      const stolen = await postReport(
        app,
        intruder,
        signedReport(intruder, [{ ruleId: "DEV-ENC-001", resourceUid: "device:legacy", status: "pass" }]),
      );
      expect(stolen.statusCode).toBe(403);
      const own = await postReport(
        app,
        legacy,
        signedReport(legacy, [{ ruleId: "DEV-ENC-001", resourceUid: "device:legacy", status: "pass" }]),
      );
      expect(own.statusCode, own.body).toBe(201);
      const after = await verifyLedger(app.assay.store.db);
      expect(after.broken).toEqual([]);
      expect(after.ok).toBe(true);
    } finally {
      await app.close();
    }
  });
});
