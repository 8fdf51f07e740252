import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type StoreDb } from "../../src/store/db/connect.js";

describe("SQLite checkpoints off the request path", () => {
  let store: StoreDb | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("moves committed pages from the WAL into the database file while the store keeps running", async () => {
    dir = mkdtempSync(join(tmpdir(), "assay-checkpoint-"));
    store = await openDatabase({ dataDir: dir });
    const file = join(dir, "assay-store.sqlite");
    await sql`create table blobs (id integer primary key, data text not null)`.execute(store.db);
    const before = statSync(file).size;
    const big = "x".repeat(200_000);
    for (let i = 0; i < 5; i++) await sql`insert into blobs (data) values (${big})`.execute(store.db);
    // The writing connection never checkpoints itself (wal_autocheckpoint = 0); the worker must.
    const deadline = Date.now() + 5000;
    while (statSync(file).size < before + 1_000_000 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(statSync(file).size).toBeGreaterThanOrEqual(before + 1_000_000);
    const rows = await sql<{ n: number }>`select count(*) as n from blobs`.execute(store.db);
    expect(rows.rows[0]!.n).toBe(5);
  });
});
