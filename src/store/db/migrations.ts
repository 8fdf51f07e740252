import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { AssayError } from "../../core/errors.js";
import type { Dialect } from "./connect.js";

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
  };
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export { sql };
