import { type Kysely, sql } from "kysely";
import { ulid } from "ulid";
import { canonicalJson, sha256Hex } from "../core/canonical.js";
import { addDailyResults } from "./daily-results.js";
import type { Dialect } from "./db/connect.js";
import type { Database, DisposalsTable } from "./db/schema.js";
import { LedgerAppender } from "./ledger.js";

/** The fields of a disposal that its ledger entry hashes (what was disposed of, when, which range). */
export function disposalRecord(d: DisposalsTable): Record<string, unknown> {
  return {
    id: d.id,
    disposedAt: d.disposed_at,
    cutoff: d.cutoff,
    fromSeq: Number(d.from_seq),
    toSeq: Number(d.to_seq),
    reports: Number(d.reports),
    findings: Number(d.findings),
  };
}

export interface RetentionResult {
  disposal?: DisposalsTable;
}

/**
 * Disposes of evidence older than `days`: the report bodies and their findings rows go, the report rows
 * stay as tombstones pointing at the disposal, and the disposal is itself appended to the ledger. The
 * chain keeps every entry, so `verify` still passes and shows which range was disposed of and when.
 * Runs in one transaction holding the ledger head, so two store processes cannot dispose of the same range.
 */
export async function runRetention(
  db: Kysely<Database>,
  dialect: Dialect,
  options: { days: number; now: Date },
): Promise<RetentionResult> {
  const cutoff = new Date(options.now.getTime() - options.days * 86_400_000).toISOString();
  return db.transaction().execute(async (trx) => {
    const appender = await LedgerAppender.lock(trx, dialect);
    const range = await trx
      .selectFrom("reports")
      .select([
        (eb) => eb.fn.min("ledger_seq").as("from_seq"),
        (eb) => eb.fn.max("ledger_seq").as("to_seq"),
        (eb) => eb.fn.countAll().as("n"),
      ])
      .where("finished_at", "<", cutoff)
      .where("body", "is not", null)
      .executeTakeFirst();
    const count = Number(range?.n ?? 0);
    if (!range || count === 0) return {};
    const ids = trx
      .selectFrom("reports")
      .select("id")
      .where("finished_at", "<", cutoff)
      .where("body", "is not", null);
    // The Overview's daily counts lose what is deleted, in the same transaction.
    const day = sql<string>`substr(observed_at, 1, 10)`;
    const gone = await trx
      .selectFrom("findings")
      .select([day.as("day"), "status", (eb) => eb.fn.countAll().as("n")])
      .where("report_id", "in", ids)
      .groupBy([day, "status"])
      .execute();
    const deleted = await trx.deleteFrom("findings").where("report_id", "in", ids).executeTakeFirst();
    await addDailyResults(
      trx,
      dialect,
      gone.map((g) => ({ day: g.day, status: g.status, n: -Number(g.n) })),
    );
    const disposalId = ulid(options.now.getTime());
    const record: DisposalsTable = {
      id: disposalId,
      disposed_at: options.now.toISOString(),
      cutoff,
      from_seq: Number(range.from_seq),
      to_seq: Number(range.to_seq),
      reports: count,
      findings: Number(deleted.numDeletedRows),
      ledger_seq: 0,
    };
    const entry = appender.next({
      kind: "disposal",
      ref: disposalId,
      contentHash: sha256Hex(canonicalJson(disposalRecord(record))),
      appendedAt: record.disposed_at,
    });
    record.ledger_seq = entry.seq;
    await trx
      .updateTable("reports")
      .set({ body: null, disposal_id: disposalId })
      .where("finished_at", "<", cutoff)
      .where("body", "is not", null)
      .execute();
    await trx.insertInto("disposals").values(record).execute();
    await appender.flush();
    return { disposal: record };
  });
}
