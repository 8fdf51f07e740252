import { type Kysely, sql, type Transaction } from "kysely";
import type { Dialect } from "./db/connect.js";
import { insertRows } from "./db/raw-insert.js";
import type { Database } from "./db/schema.js";

/**
 * `daily_results`: how many findings of each status were reported per UTC day (the day of the report's
 * `finished_at`, which is the findings' `observed_at`). The Overview's 90-day pass-rate chart reads it instead
 * of grouping millions of findings rows on every page view (bench/README.md "Dashboard"). It is a pure count
 * of the findings table: ingest adds each batch's counts in the batch's transaction, retention subtracts what
 * it deletes, and `assay store verify` recomputes it from the findings table and names any difference.
 */
export interface DayCount {
  day: string;
  status: string;
  n: number;
}

/** Counts of (day, status) in `findings`, each `[observedAt, status]`. */
export function countByDay(findings: Iterable<readonly [string, string]>): DayCount[] {
  const counts = new Map<string, DayCount>();
  for (const [observedAt, status] of findings) {
    const day = observedAt.slice(0, 10);
    const key = `${day}\u0000${status}`;
    const c = counts.get(key);
    if (c) c.n += 1;
    else counts.set(key, { day, status, n: 1 });
  }
  return [...counts.values()];
}

/** Adds (or, with negative `n`, subtracts) counts; rows that reach zero are removed. */
export async function addDailyResults(
  trx: Transaction<Database>,
  dialect: Dialect,
  counts: readonly DayCount[],
): Promise<void> {
  if (counts.length === 0) return;
  await insertRows(
    trx,
    dialect,
    "daily_results",
    ["day", "status", "n"],
    counts.map((c) => [c.day, c.status, c.n]),
    500,
    ` on conflict ("day", "status") do update set "n" = "daily_results"."n" + excluded."n"`,
  );
  if (counts.some((c) => c.n < 0)) await trx.deleteFrom("daily_results").where("n", "<=", 0).execute();
}

/** The counts as the findings table has them now (the migration's backfill and verify's recomputation). */
export async function countFindingsByDay(db: Kysely<Database> | Transaction<Database>): Promise<DayCount[]> {
  const day = sql<string>`substr(observed_at, 1, 10)`;
  const rows = await db
    .selectFrom("findings")
    .select([day.as("day"), "status", (eb) => eb.fn.countAll().as("n")])
    .groupBy([day, "status"])
    .execute();
  return rows.map((r) => ({ day: r.day, status: r.status, n: Number(r.n) }));
}

/** Verify: every (day, status) count stored equals the count in the findings table; the differences. */
export async function dailyResultsDifferences(db: Kysely<Database>): Promise<string[]> {
  const actual = new Map((await countFindingsByDay(db)).map((c) => [`${c.day} ${c.status}`, c.n]));
  const stored = new Map(
    (await db.selectFrom("daily_results").selectAll().execute()).map((r) => [
      `${r.day} ${r.status}`,
      Number(r.n),
    ]),
  );
  const out: string[] = [];
  for (const key of new Set([...actual.keys(), ...stored.keys()])) {
    const a = actual.get(key) ?? 0;
    const s = stored.get(key) ?? 0;
    if (a !== s) out.push(`daily_results ${key}: stored ${s}, the findings table has ${a}`);
  }
  return out.sort();
}
