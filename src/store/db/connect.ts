import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { Pool } from "pg";
import { AssayError } from "../../core/errors.js";
import type { Database } from "./schema.js";

export type Dialect = "sqlite" | "postgres";

export interface StoreDb {
  db: Kysely<Database>;
  dialect: Dialect;
  /**
   * The PostgreSQL pool under `db`, for the few reads that need what Kysely does not offer (rows as
   * arrays, named prepared statements): the evidence export. Undefined on SQLite.
   */
  pgPool?: Pool;
  /** Where the data lives, for log lines (no credentials). */
  location: string;
  close(): Promise<void>;
}

/** Open the configured database: PostgreSQL for a postgres:// URL, otherwise a SQLite file under dataDir. */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<StoreDb> {
  const url = options.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  if (url && url !== ":memory:" && !url.startsWith("sqlite:")) {
    throw new AssayError(
      "STORE_BAD_DATABASE_URL",
      "The database URL must start with postgres:// or sqlite: (or be :memory:).",
    );
  }
  let file: string;
  if (url === ":memory:") file = ":memory:";
  else if (url?.startsWith("sqlite:")) file = resolve(url.slice("sqlite:".length));
  else {
    // The data folder is the store's own: 0700, even when it already existed with looser modes.
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(options.dataDir, 0o700);
    file = resolve(join(options.dataDir, "assay-store.sqlite"));
  }
  if (file !== ":memory:") restrictFileModes(file);
  return openSqlite(file);
}

/**
 * Creates the database file 0600 before SQLite opens it (SQLite would create it with the process umask,
 * usually 0644) and tightens an existing one. SQLite creates the -wal and -shm files with the mode of the
 * database file; existing ones from an earlier run are tightened too.
 */
function restrictFileModes(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

async function openSqlite(file: string): Promise<StoreDb> {
  const { default: SqliteDatabase } = await import("better-sqlite3");
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside the single writer. synchronous = FULL: every COMMIT syncs the WAL before
  // the 201 is sent, so an accepted report survives a power loss or OS crash too (NORMAL would only
  // survive a process crash). Group commit pays that sync once per batch.
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  // Kysely prepares every query afresh; the ingest path repeats the same few statements, so prepared
  // statements are kept by SQL text (bounded, oldest dropped first).
  const statements = new Map<string, ReturnType<typeof sqlite.prepare>>();
  const database = {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (statements.size >= 256) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: "sqlite", location: file, close: () => db.destroy() };
}

async function openPostgres(url: string): Promise<StoreDb> {
  const pg = await import("pg");
  const pool = new pg.default.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const parsed = new URL(url);
  return {
    db,
    dialect: "postgres",
    pgPool: pool,
    location: `postgres://${parsed.host}${parsed.pathname}`,
    close: () => db.destroy(),
  };
}
