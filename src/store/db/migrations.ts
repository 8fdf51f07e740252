import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { ulid } from "ulid";
import { AssayError } from "../../core/errors.js";
import { appendRecords, type IdentityRecord } from "../records.js";
import { backfillTree } from "../tree.js";
import type { Dialect } from "./connect.js";
import type { Database } from "./schema.js";

/**
 * Versioned migrations, written once with Kysely's schema builder for both dialects. The only dialect
 * difference is how an auto-increment key is spelt. Never edit a released migration; add the next one.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against an untyped database by design
  type Db = Kysely<any>;
  const serialKey = dialect === "postgres" ? ("serial" as const) : ("integer" as const);
  const withSerial = <T extends { primaryKey(): T; autoIncrement(): T }>(c: T) =>
    dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement();

  return {
    "0001_initial": {
      async up(db: Db) {
        await db.schema
          .createTable("agents")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("hostname", "text", (c) => c.notNull())
          .addColumn("platform", "text", (c) => c.notNull())
          .addColumn("group_name", "text", (c) => c.notNull())
          .addColumn("public_key_pem", "text", (c) => c.notNull())
          .addColumn("token_hash", "text", (c) => c.notNull())
          .addColumn("version", "text")
          .addColumn("enrolled_at", "text", (c) => c.notNull())
          .addColumn("last_seen_at", "text", (c) => c.notNull())
          .addColumn("silent_since", "text")
          .addColumn("revoked_at", "text")
          .execute();

        await db.schema
          .createTable("api_tokens")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("role", "text", (c) => c.notNull())
          .addColumn("token_hash", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("revoked_at", "text")
          .execute();

        await db.schema
          .createTable("ledger")
          .addColumn("seq", "integer", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("ref", "text", (c) => c.notNull())
          .addColumn("content_hash", "text", (c) => c.notNull())
          .addColumn("prev_hash", "text", (c) => c.notNull())
          .addColumn("entry_hash", "text", (c) => c.notNull())
          .addColumn("appended_at", "text", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("ledger_head")
          .addColumn("id", "integer", (c) => c.primaryKey())
          .addColumn("seq", "integer", (c) => c.notNull())
          .addColumn("entry_hash", "text", (c) => c.notNull())
          .execute();
        await db
          .insertInto("ledger_head")
          .values({ id: 1, seq: 0, entry_hash: "0".repeat(64) })
          .execute();

        await db.schema
          .createTable("reports")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("agent_id", "text", (c) => c.notNull())
          .addColumn("ledger_seq", "integer", (c) => c.notNull().unique())
          .addColumn("received_at", "text", (c) => c.notNull())
          .addColumn("started_at", "text", (c) => c.notNull())
          .addColumn("finished_at", "text", (c) => c.notNull())
          .addColumn("body", "text")
          .addColumn("disposal_id", "text")
          .execute();
        await db.schema.createIndex("reports_finished_at").on("reports").column("finished_at").execute();

        await db.schema
          .createTable("findings")
          .addColumn("id", serialKey, withSerial)
          .addColumn("report_id", "text", (c) => c.notNull())
          .addColumn("ledger_seq", "integer", (c) => c.notNull())
          .addColumn("agent_id", "text", (c) => c.notNull())
          .addColumn("observed_at", "text", (c) => c.notNull())
          .addColumn("rule_id", "text", (c) => c.notNull())
          .addColumn("resource_uid", "text", (c) => c.notNull())
          .addColumn("resource_type", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("severity", "text", (c) => c.notNull())
          .addColumn("policy", "text", (c) => c.notNull())
          .addColumn("controls", "text", (c) => c.notNull())
          .addColumn("message", "text", (c) => c.notNull())
          .addColumn("evidence", "text", (c) => c.notNull())
          .addColumn("exception", "text")
          .execute();
        await db.schema.createIndex("findings_observed_at").on("findings").column("observed_at").execute();
        await db.schema.createIndex("findings_report_id").on("findings").column("report_id").execute();

        await db.schema
          .createTable("current_state")
          .addColumn("resource_uid", "text", (c) => c.notNull())
          .addColumn("rule_id", "text", (c) => c.notNull())
          .addColumn("agent_id", "text", (c) => c.notNull())
          .addColumn("resource_type", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("severity", "text", (c) => c.notNull())
          .addColumn("policy", "text", (c) => c.notNull())
          .addColumn("controls", "text", (c) => c.notNull())
          .addColumn("since", "text", (c) => c.notNull())
          .addColumn("last_seen_at", "text", (c) => c.notNull())
          .addColumn("report_id", "text", (c) => c.notNull())
          .addColumn("ledger_seq", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("current_state_pk", ["resource_uid", "rule_id"])
          .execute();
        await db.schema.createIndex("current_state_agent").on("current_state").column("agent_id").execute();

        await db.schema
          .createTable("assets")
          .addColumn("uid", "text", (c) => c.primaryKey())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("provider", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("account", "text")
          .addColumn("region", "text")
          .addColumn("agent_id", "text", (c) => c.notNull())
          .addColumn("first_seen_at", "text", (c) => c.notNull())
          .addColumn("last_seen_at", "text", (c) => c.notNull())
          .addColumn("report_id", "text", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("drift_events")
          .addColumn("id", serialKey, withSerial)
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("agent_id", "text", (c) => c.notNull())
          .addColumn("resource_uid", "text")
          .addColumn("rule_id", "text")
          .addColumn("from_status", "text")
          .addColumn("to_status", "text")
          .addColumn("severity", "text", (c) => c.notNull())
          .addColumn("policy", "text")
          .addColumn("controls", "text", (c) => c.notNull())
          .addColumn("message", "text", (c) => c.notNull())
          .addColumn("report_id", "text")
          .addColumn("ledger_seq", "integer")
          .execute();
        await db.schema.createIndex("drift_events_at").on("drift_events").column("at").execute();

        await db.schema
          .createTable("alerts")
          .addColumn("id", serialKey, withSerial)
          .addColumn("event_id", "integer")
          .addColumn("channel", "text", (c) => c.notNull())
          .addColumn("dedup_key", "text", (c) => c.notNull())
          .addColumn("event_type", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("reason", "text")
          .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("next_attempt_at", "text", (c) => c.notNull())
          .addColumn("claimed_by", "text")
          .addColumn("claimed_until", "text")
          .addColumn("last_error", "text")
          .addColumn("payload", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("sent_at", "text")
          .addUniqueConstraint("alerts_event_channel", ["event_id", "channel"])
          .execute();
        await db.schema
          .createIndex("alerts_status_next")
          .on("alerts")
          .columns(["status", "next_attempt_at"])
          .execute();
        await db.schema.createIndex("alerts_dedup").on("alerts").columns(["dedup_key", "channel"]).execute();

        await db.schema
          .createTable("disposals")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("disposed_at", "text", (c) => c.notNull())
          .addColumn("cutoff", "text", (c) => c.notNull())
          .addColumn("from_seq", "integer", (c) => c.notNull())
          .addColumn("to_seq", "integer", (c) => c.notNull())
          .addColumn("reports", "integer", (c) => c.notNull())
          .addColumn("findings", "integer", (c) => c.notNull())
          .addColumn("ledger_seq", "integer", (c) => c.notNull())
          .execute();
      },
      async down(db: Db) {
        for (const table of [
          "disposals",
          "alerts",
          "drift_events",
          "assets",
          "current_state",
          "findings",
          "reports",
          "ledger_head",
          "ledger",
          "api_tokens",
          "agents",
        ]) {
          await db.schema.dropTable(table).ifExists().execute();
        }
      },
    },
    // Evidence export pages through a period in (observed_at, id) order; one index serves filter and order.
    "0002_findings_period_index": {
      async up(db: Db) {
        await db.schema
          .createIndex("findings_observed_at_id")
          .on("findings")
          .columns(["observed_at", "id"])
          .execute();
        await db.schema.dropIndex("findings_observed_at").execute();
      },
      async down(db: Db) {
        await db.schema.createIndex("findings_observed_at").on("findings").column("observed_at").execute();
        await db.schema.dropIndex("findings_observed_at_id").execute();
      },
    },
    // Ownership (resource_owners), scanner scopes on agents, and identity changes as ledger entries
    // (ledger_records). Agents enrolled earlier get a backfilled enrolment entry and each resource already
    // reported is bound to the agent of the first report that named it, so verify holds on upgraded stores.
    "0003_ownership_and_identity_records": {
      async up(db: Db) {
        await db.schema
          .alterTable("agents")
          .addColumn("scopes", "text", (c) => c.notNull().defaultTo("[]"))
          .execute();
        await db.schema
          .createTable("resource_owners")
          .addColumn("uid", "text", (c) => c.primaryKey())
          .addColumn("agent_id", "text")
          .addColumn("scope", "text")
          .addColumn("bound_at", "text", (c) => c.notNull())
          .addColumn("ledger_seq", "integer", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("ledger_records")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("ledger_seq", "integer", (c) => c.notNull().unique())
          .addColumn("body", "text", (c) => c.notNull())
          .execute();
        await backfillOwnership(db as unknown as Kysely<Database>, dialect);
      },
      async down(db: Db) {
        await db.schema.dropTable("ledger_records").execute();
        await db.schema.dropTable("resource_owners").execute();
        await db.schema.alterTable("agents").dropColumn("scopes").execute();
      },
    },
    // Numbered after 0003 (ownership and identity records): agents report their spool, and an agent whose
    // spool keeps growing raises `agent-stuck`.
    "0004_agent_spool_status": {
      async up(db: Db) {
        for (const [column, type] of [
          ["spool_depth", "integer"],
          ["spool_bytes", "bigint"],
          ["last_error", "text"],
          ["spool_growing_since", "text"],
          ["stuck_since", "text"],
        ] as const) {
          await db.schema.alterTable("agents").addColumn(column, type).execute();
        }
      },
    },
    // The Merkle tree over the ledger (issue 13): complete subtree roots, the keys that sign checkpoints, the
    // signed checkpoints, and the log's origin line (random per store unless configured). A ledger written
    // before this migration gets its tree built here, once.
    "0005_merkle_tree_and_checkpoints": {
      async up(db: Db) {
        let nodes = db.schema
          .createTable("merkle_nodes")
          .addColumn("level", "integer", (c) => c.notNull())
          .addColumn("idx", "bigint", (c) => c.notNull())
          .addColumn("hash", dialect === "postgres" ? "bytea" : "blob", (c) => c.notNull())
          .addPrimaryKeyConstraint("merkle_nodes_pk", ["level", "idx"]);
        // The key is the row: no separate rowid b-tree on SQLite.
        if (dialect === "sqlite") nodes = nodes.modifyEnd(sql`without rowid`);
        await nodes.execute();
        await db.schema
          .createTable("store_keys")
          .addColumn("vkey", "text", (c) => c.primaryKey())
          .addColumn("key_id", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("retired_at", "text")
          .execute();
        await db.schema
          .createTable("checkpoints")
          .addColumn("size", "bigint", (c) => c.notNull())
          .addColumn("root_hash", "text", (c) => c.notNull())
          .addColumn("vkey", "text", (c) => c.notNull())
          .addColumn("note", "text", (c) => c.notNull())
          .addColumn("issued_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("checkpoints_pk", ["size", "vkey"])
          .execute();
        await db.schema
          .createTable("store_meta")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("value", "text", (c) => c.notNull())
          .execute();
        await db
          .insertInto("store_meta")
          .values({ name: "origin", value: `assay-store/${ulid().toLowerCase()}` })
          .execute();
        await backfillTree(db as unknown as Kysely<Database>, dialect);
      },
      async down(db: Db) {
        for (const table of ["store_meta", "checkpoints", "store_keys", "merkle_nodes"]) {
          await db.schema.dropTable(table).execute();
        }
      },
    },
    "0007_dashboard_sessions_inventory_exceptions": {
      async up(db: Db) {
        // A signed-in person's browser session: only SHA-256 of the cookie's secret is kept, like a token.
        await db.schema
          .createTable("dashboard_sessions")
          .addColumn("id_hash", "text", (c) => c.primaryKey())
          .addColumn("token_id", "text")
          .addColumn("subject", "text", (c) => c.notNull())
          .addColumn("role", "text", (c) => c.notNull())
          .addColumn("csrf", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("dashboard_sessions_expires")
          .on("dashboard_sessions")
          .column("expires_at")
          .execute();
        // The Assets page's inventory (OS, version, model, serial) from each device's latest report.
        await db.schema.alterTable("assets").addColumn("inventory", "text").execute();
        // A resource's page reads its findings in the report that last set its state, and its timeline.
        await db.schema
          .createIndex("findings_report_resource")
          .on("findings")
          .columns(["report_id", "resource_uid"])
          .execute();
        await db.schema.dropIndex("findings_report_id").execute();
        await db.schema
          .createTable("dashboard_logins")
          .addColumn("state_hash", "text", (c) => c.primaryKey())
          .addColumn("code_verifier", "text", (c) => c.notNull())
          .addColumn("nonce", "text", (c) => c.notNull())
          .addColumn("next", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("store_exceptions")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("rule_id", "text", (c) => c.notNull())
          .addColumn("resource", "text")
          .addColumn("owner", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("expires", "text", (c) => c.notNull())
          .addColumn("requested_by", "text", (c) => c.notNull())
          .addColumn("requested_at", "text", (c) => c.notNull())
          .addColumn("approved_by", "text")
          .addColumn("approved_at", "text")
          .addColumn("revoked_by", "text")
          .addColumn("revoked_at", "text")
          .addColumn("ledger_seq", "integer", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("drift_events_resource")
          .on("drift_events")
          .columns(["resource_uid", "id"])
          .execute();
      },
    },
    // Checkpoints archived to the S3 Object Lock witness (witness.ts) are marked, so each is published once and
    // a failed upload is retried by the next round.
    "0008_checkpoint_witness": {
      async up(db: Db) {
        await db.schema.alterTable("checkpoints").addColumn("witnessed_at", "text").execute();
      },
      async down(db: Db) {
        await db.schema.alterTable("checkpoints").dropColumn("witnessed_at").execute();
      },
    },
    "0009_daily_results_and_filter_indexes": {
      async up(db: Db) {
        // The Overview's 90-day chart grouped every findings row of the period on each view: 2-6 s with 5 M
        // findings (bench/README.md "Dashboard"). This rollup (daily-results.ts) is kept by ingest and
        // retention and recomputed by verify; it starts from the findings already stored.
        await db.schema
          .createTable("daily_results")
          .addColumn("day", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("n", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("daily_results_pk", ["day", "status"])
          .execute();
        // The filter lists of the Drift, Exceptions and Assets pages read distinct values by index seeks
        // (dashboard/queries.ts distinctValues) instead of reading every row.
        // (policy, severity, controls, status) also covers the Overview's posture GROUP BY (one index scan).
        await db.schema
          .createIndex("current_state_posture")
          .on("current_state")
          .columns(["policy", "severity", "controls", "status"])
          .execute();
        // (rule_id, status): the rule ids list, and the failures an exception may cover (Overview posture).
        await db.schema
          .createIndex("current_state_rule_status")
          .on("current_state")
          .columns(["rule_id", "status"])
          .execute();
        await db.schema.createIndex("agents_group").on("agents").column("group_name").execute();
        await sql`insert into daily_results (day, status, n)
          select substr(observed_at, 1, 10), status, count(*) from findings group by substr(observed_at, 1, 10), status`.execute(
          db,
        );
      },
    },
    // Issue 12, item 5: each exported finding carries since when its pair had failed as of that observation
    // (evidence export, dashboard exports). Ingest writes it; rows stored before this migration are backfilled.
    "0010_findings_failing_since": {
      async up(db: Db) {
        await addFailingSince(db as unknown as Kysely<Database>);
      },
      async down(db: Db) {
        await db.schema.alterTable("findings").dropColumn("failing_since").execute();
      },
    },
  };
}

/** Finding ids per backfill statement. */
const FAILING_SINCE_BATCH = 50_000;

/**
 * Backfills `findings.failing_since` by replaying each (resource, rule) pair in ledger order. The pair's
 * drift events are that replay already written down: ingest records one for every change of a pair's state
 * (`new`, `regressed`, `resolved`, `changed`, `gone`), in ledger order, and `assay store verify` checks each
 * against the ledger. So the state a failing finding at ledger entry s found is the pair's last event before
 * s: if that event left it failing, the run started at that event's time (its `at` is the `since` it set);
 * otherwise (no event, or one to pass, error, skip or gone) this observation starts the run, at its report's
 * ledger time, which is the `at` ingest gives the state it writes. This is exactly `failingSinceOf` of
 * drift.ts, and it holds after retention too (retention deletes findings and report bodies, never events).
 *
 * How it scales: nothing is read into JavaScript. One UPDATE per FAILING_SINCE_BATCH finding ids (a primary-key
 * range), in which each failing row makes one seek in a temporary index on drift_events(resource_uid,
 * rule_id, ledger_seq) and one in the ledger's primary key: time O(failing findings x log events), memory
 * that of one statement; the database's journal, not the process, holds the changed rows until the commit.
 * The index is dropped at the end: nothing after the migration needs it.
 */
async function addFailingSince(db: Kysely<Database>): Promise<void> {
  const run = async (trx: Kysely<Database>) => {
    await trx.schema.alterTable("findings").addColumn("failing_since", "text").execute();
    const range = await trx
      .selectFrom("findings")
      .select([(eb) => eb.fn.min("id").as("low"), (eb) => eb.fn.max("id").as("high")])
      .executeTakeFirst();
    if (range?.low === null || range?.low === undefined) return;
    await trx.schema
      .createIndex("drift_events_pair_seq_backfill")
      .on("drift_events")
      .columns(["resource_uid", "rule_id", "ledger_seq"])
      .execute();
    const low = Number(range.low);
    const high = Number(range.high);
    for (let start = low; start <= high; start += FAILING_SINCE_BATCH) {
      await sql`update findings set failing_since = coalesce(
          (select case when e.to_status = 'fail' then e.at end from drift_events e
            where e.resource_uid = findings.resource_uid and e.rule_id = findings.rule_id
              and e.ledger_seq < findings.ledger_seq
            order by e.ledger_seq desc, e.id desc limit 1),
          (select l.appended_at from ledger l where l.seq = findings.ledger_seq))
        where status = 'fail' and id >= ${start} and id < ${start + FAILING_SINCE_BATCH}`.execute(trx);
    }
    await trx.schema.dropIndex("drift_events_pair_seq_backfill").execute();
  };
  // The migrator runs each migration in a transaction where the dialect allows (PostgreSQL); on SQLite the
  // column and its values commit together here, so a stopped upgrade leaves no half-filled column behind.
  if (db.isTransaction) await run(db);
  else await db.transaction().execute(run);
}

async function backfillOwnership(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const agents = await db.selectFrom("agents").selectAll().orderBy("id").execute();
  const firstSeen = await db
    .selectFrom("findings")
    .select(["resource_uid", (eb) => eb.fn.min("ledger_seq").as("seq")])
    .groupBy("resource_uid")
    .execute();
  if (agents.length === 0 && firstSeen.length === 0) return;
  // The migrator runs each migration in a transaction where the dialect allows; appendRecords wants one.
  const run = async (trx: Kysely<Database>) => {
    const records: IdentityRecord[] = agents.map((a) => ({
      kind: "agent-enrolled",
      agentId: a.id,
      hostname: a.hostname,
      platform: a.platform,
      group: a.group_name,
      publicKeyPem: a.public_key_pem,
      tokenHash: a.token_hash,
      at: a.enrolled_at,
      backfilled: true,
    }));
    const revoked: IdentityRecord[] = agents
      .filter((a) => a.revoked_at !== null)
      .map((a) => ({ kind: "agent-revoked", agentId: a.id, at: a.revoked_at!, by: "migration" }));
    // No Merkle nodes yet: their table comes with 0005, which builds the tree over every entry.
    // biome-ignore lint/suspicious/noExplicitAny: the migrator's transaction is untyped
    await appendRecords(trx as any, dialect, [...records, ...revoked], { tree: false });
    for (let i = 0; i < firstSeen.length; i += 200) {
      const chunk = firstSeen.slice(i, i + 200);
      const seqs = chunk.map((r) => Number(r.seq));
      const reports = await trx
        .selectFrom("reports")
        .innerJoin("ledger", "ledger.seq", "reports.ledger_seq")
        .select(["reports.ledger_seq", "reports.agent_id", "ledger.appended_at"])
        .where("reports.ledger_seq", "in", seqs)
        .execute();
      const bySeq = new Map(reports.map((r) => [Number(r.ledger_seq), r]));
      const assets = await trx
        .selectFrom("assets")
        .select(["uid", "provider", "account"])
        .where(
          "uid",
          "in",
          chunk.map((r) => r.resource_uid),
        )
        .execute();
      const scopeOf = new Map(
        assets.filter((a) => a.account !== null).map((a) => [a.uid, `${a.provider}:${a.account}`]),
      );
      const rows = chunk.flatMap((r) => {
        const report = bySeq.get(Number(r.seq));
        if (!report) return [];
        const scope = scopeOf.get(r.resource_uid) ?? null;
        return [
          {
            uid: r.resource_uid,
            agent_id: scope === null ? report.agent_id : null,
            scope,
            bound_at: report.appended_at,
            ledger_seq: Number(r.seq),
          },
        ];
      });
      if (rows.length > 0) await trx.insertInto("resource_owners").values(rows).execute();
    }
  };
  if (db.isTransaction) await run(db);
  else await db.transaction().execute(run);
}

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

/** Bring the schema to the latest version; safe to call from several processes at once (Kysely locks). */
export async function migrateToLatest<T>(db: Kysely<T>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new AssayError(
      "STORE_MIGRATION_FAILED",
      `Database migration ${failed} failed: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Bring the schema to one named version (tests of upgrades build an older store with it). */
export async function migrateTo<T>(db: Kysely<T>, dialect: Dialect, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(dialect) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export { sql };
