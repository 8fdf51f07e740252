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
  const sqlite = await openSqliteDriver(file);
  // WAL lets readers run beside the single writer. synchronous = FULL: every COMMIT syncs the WAL before
  // the 201 is sent, so an accepted report survives a power loss or OS crash too (NORMAL would only
  // survive a process crash). Group commit pays that sync once per batch.
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA foreign_keys = ON");
  // Kysely prepares every query afresh; the ingest path repeats the same few statements, so prepared
  // statements are kept by SQL text (bounded, oldest dropped first).
  const statements = new Map<string, SqliteStatement>();
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

/** What Kysely's SQLite dialect calls on a prepared statement (better-sqlite3's shape). */
interface SqliteStatement {
  readonly reader: boolean;
  all(parameters: ReadonlyArray<unknown>): unknown[];
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown>;
}

interface SqliteDriver {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/**
 * better-sqlite3 on Node 20 and 22; Node's own `node:sqlite` from Node 24 on. better-sqlite3 12 (the last
 * major that supports Node 20) derives its objects from node::ObjectWrap, whose destructor on Node 24.19+
 * asserts a current Environment: a statement collected by an idle GC, or at exit, aborts the process
 * (SIGABRT, "Assertion failed: (env) != nullptr"; fixed only in better-sqlite3 13, which needs Node 22).
 * `ASSAY_SQLITE_DRIVER=better-sqlite3|node` overrides the choice.
 */
async function openSqliteDriver(file: string): Promise<SqliteDriver> {
  const choice =
    process.env.ASSAY_SQLITE_DRIVER ??
    (Number(process.versions.node.split(".")[0]) >= 24 ? "node" : "better-sqlite3");
  if (choice === "node") {
    const { DatabaseSync } = await import("node:sqlite");
    const sqlite = new DatabaseSync(file);
    return {
      exec: (sql) => sqlite.exec(sql),
      close: () => sqlite.close(),
      prepare: (sql) => {
        const statement = sqlite.prepare(sql);
        // better-sqlite3 calls a statement that returns rows a reader; Kysely picks all() or run() by it.
        const reader = statement.columns().length > 0;
        type Param = Parameters<typeof statement.all>[0];
        return {
          reader,
          all: (parameters) => statement.all(...(parameters as Param[])),
          run: (parameters) => statement.run(...(parameters as Param[])),
          iterate: (parameters) => statement.iterate(...(parameters as Param[])) as IterableIterator<unknown>,
        };
      },
    };
  }
  if (choice !== "better-sqlite3") {
    throw new AssayError(
      "STORE_BAD_SQLITE_DRIVER",
      `ASSAY_SQLITE_DRIVER must be "better-sqlite3" or "node", not "${choice}".`,
    );
  }
  const { default: SqliteDatabase } = await import("better-sqlite3");
  const sqlite = new SqliteDatabase(file);
  return {
    exec: (sql) => {
      sqlite.exec(sql);
    },
    close: () => sqlite.close(),
    prepare: (sql) => sqlite.prepare(sql) as unknown as SqliteStatement,
  };
}

async function openPostgres(url: string): Promise<StoreDb> {
  const pg = await import("pg");
  const pool = new pg.default.Pool({ connectionString: url, max: 10 });
  // An idle client whose connection dies (PostgreSQL restarted, a session terminated by an administrator, a
  // network cut) is reported as an 'error' event on the pool, and an EventEmitter 'error' with no listener ends
  // the process. The pool drops that client and opens another on next use, so the store keeps running; the app
  // adds a listener that logs it (app.ts).
  pool.on("error", () => {});
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
