// Times migration 0010 (findings.failing_since backfilled from drift events) on a filled store: keeps the
// values the fill wrote (those of ingest's failingSinceOf), steps the schema back to 0009 (the migration's
// `down` drops the column), runs the upgrade as a store start would, and checks every row against the kept
// values. Prints rows, failing rows, seconds, peak RSS and load.
//
// Usage: npm run build && node bench/dashboard/fill.mjs --data-dir DIR --findings 1000000
//        node bench/store-migrate/failing-since.mjs --data-dir DIR [--database-url postgres://…]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { openDatabase } from "../../dist/store/db/connect.js";
import { migrateTo, migrateToLatest } from "../../dist/store/db/migrations.js";

const { values: opt } = parseArgs({
  options: { "data-dir": { type: "string" }, "database-url": { type: "string" } },
});
if (!opt["data-dir"]) {
  console.error("failing-since.mjs: --data-dir is required (the filled store's data directory)");
  process.exit(2);
}
const store = await openDatabase({ dataDir: opt["data-dir"], databaseUrl: opt["database-url"] });
const { db, dialect } = store;
try {
  await sql`drop table if exists bench_failing_since`.execute(db);
  await sql`create table bench_failing_since as select id, failing_since from findings`.execute(db);
  const counts = await sql`select count(*) as n, count(failing_since) as failing from findings`.execute(db);
  const { n, failing } = counts.rows[0];
  await migrateTo(db, dialect, "0009_daily_results_and_filter_indexes");

  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  const applied = await migrateToLatest(db, dialect);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);

  const wrong = await sql`select count(*) as n from findings f join bench_failing_since b on b.id = f.id
    where coalesce(f.failing_since, '') <> coalesce(b.failing_since, '')`.execute(db);
  console.log(
    JSON.stringify({
      dialect,
      migrations: applied,
      findings: Number(n),
      failingFindings: Number(failing),
      seconds: Number(seconds.toFixed(2)),
      peakRssMb: Math.round(peak / 1048576),
      rowsDifferingFromIngest: Number(wrong.rows[0].n),
      load: loadavg().map((l) => Number(l.toFixed(2))),
    }),
  );
} finally {
  await sql`drop table if exists bench_failing_since`.execute(db);
  await store.close();
}
