import { sql } from "kysely";
import type { StoreContext } from "../context.js";
import { decodeControls } from "../drift.js";
import { activeExceptions, exceptionFor } from "../exceptions.js";

export interface Counts {
  pass: number;
  fail: number;
  /** Failures covered by an approved store exception (an accepted risk, not a pass). */
  excepted: number;
  error: number;
  skip: number;
}
export const emptyCounts = (): Counts => ({ pass: 0, fail: 0, excepted: 0, error: 0, skip: 0 });

/** Share of evaluated results that pass: skips are not evaluations; errors and excepted failures count against. */
export function passRate(c: Counts): number | undefined {
  const evaluated = c.pass + c.fail + c.excepted + c.error;
  return evaluated === 0 ? undefined : c.pass / evaluated;
}

function add(map: Map<string, Counts>, key: string, status: string, n: number): void {
  let c = map.get(key);
  if (!c) {
    c = emptyCounts();
    map.set(key, c);
  }
  if (status in c) c[status as keyof Counts] += n;
}

type PostureColumn = "policy" | "severity" | "controls";
const POSTURE_COLUMNS: readonly PostureColumn[] = ["controls", "policy", "severity"];

/** The keys a result counts under: controls split into frameworks, once per framework it evidences. */
function keysOf(column: PostureColumn, value: string): string[] {
  return column === "controls" ? [...new Set(decodeControls(value).map((c) => c.split(":")[0]!))] : [value];
}

/**
 * Current results grouped by framework, policy and severity, from ONE scan of `current_state` (grouped by
 * all three and the status; the covering index of migration 0009 serves it without reading the table). Three
 * separate GROUP BYs took three scans: 600-800 ms of the Overview on 205,000 results (bench/README.md).
 */
export async function posture(ctx: StoreContext): Promise<Record<PostureColumn, Map<string, Counts>>> {
  const rows = await ctx.store.db
    .selectFrom("current_state")
    .select(["policy", "severity", "controls", "status", (eb) => eb.fn.countAll().as("n")])
    .groupBy(["policy", "severity", "controls", "status"])
    .execute();
  const out: Record<PostureColumn, Map<string, Counts>> = {
    controls: new Map(),
    policy: new Map(),
    severity: new Map(),
  };
  for (const row of rows)
    for (const column of POSTURE_COLUMNS)
      for (const key of keysOf(column, row[column])) add(out[column], key, row.status, Number(row.n));
  // Failures an approved exception covers move from fail to excepted.
  const active = await activeExceptions(ctx.store.db, ctx.now());
  if (active.length > 0) {
    const failing = await ctx.store.db
      .selectFrom("current_state")
      .select(["resource_uid", "rule_id", "policy", "severity", "controls"])
      .where("status", "=", "fail")
      .where(
        "rule_id",
        "in",
        active.map((e) => e.rule_id),
      )
      .execute();
    for (const row of failing) {
      if (!exceptionFor(active, row.rule_id, row.resource_uid)) continue;
      for (const column of POSTURE_COLUMNS) {
        for (const key of keysOf(column, row[column])) {
          const c = out[column].get(key);
          if (c && c.fail > 0) {
            c.fail -= 1;
            c.excepted += 1;
          }
        }
      }
    }
  }
  return out;
}

/** Current results grouped by one column of `current_state` (controls split into frameworks). */
export async function postureBy(ctx: StoreContext, column: PostureColumn): Promise<Map<string, Counts>> {
  return (await posture(ctx))[column];
}

/** Per UTC day of the last `days` days: how the findings reported that day came out. */
export async function dailyResults(
  ctx: StoreContext,
  days: number,
): Promise<{ day: string; counts: Counts }[]> {
  const now = ctx.now();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  // The rollup ingest keeps (daily-results.ts), not a GROUP BY over millions of findings rows.
  const rows = await ctx.store.db
    .selectFrom("daily_results")
    .select(["day", "status", "n"])
    .where("day", ">=", from.toISOString().slice(0, 10))
    .execute();
  const byDay = new Map<string, Counts>();
  for (const r of rows) add(byDay, r.day, r.status, Number(r.n));
  const out: { day: string; counts: Counts }[] = [];
  for (let i = 0; i < days; i++) {
    const d = new Date(from.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    out.push({ day: d, counts: byDay.get(d) ?? emptyCounts() });
  }
  return out;
}

export async function silentAgents(ctx: StoreContext, limit: number) {
  return ctx.store.db
    .selectFrom("agents")
    .select(["id", "hostname", "group_name", "last_seen_at", "silent_since", "stuck_since"])
    .where((eb) => eb.or([eb("silent_since", "is not", null), eb("stuck_since", "is not", null)]))
    .where("revoked_at", "is", null)
    .orderBy("last_seen_at")
    .limit(limit)
    .execute();
}

export async function latestDrift(ctx: StoreContext, limit: number) {
  return ctx.store.db.selectFrom("drift_events").selectAll().orderBy("id", "desc").limit(limit).execute();
}

/** The columns whose distinct values fill the pages' filter lists; each leads an index (migration 0009). */
type DistinctColumn = ["current_state", "policy"] | ["current_state", "rule_id"] | ["agents", "group_name"];

/**
 * The distinct values of an indexed column, sorted, by one index seek per value ("loose index scan" as a
 * recursive query, the same SQL in SQLite and PostgreSQL). A plain DISTINCT reads every row: 100-180 ms for
 * the policies of 205,000 current results on PostgreSQL (bench/README.md "Dashboard"); this reads ~10 keys.
 * Table and column come from the fixed list above, never from input.
 */
export async function distinctValues(ctx: StoreContext, [table, column]: DistinctColumn): Promise<string[]> {
  const t = sql.table(table);
  const c = sql.ref(column);
  const rows = await sql<{ v: string | null }>`with recursive d(v) as (
      select min(${c}) from ${t}
      union all
      select (select min(${c}) from ${t} where ${c} > d.v) from d where d.v is not null
    ) select v from d where v is not null`.execute(ctx.store.db);
  return rows.rows.map((r) => r.v as string);
}
