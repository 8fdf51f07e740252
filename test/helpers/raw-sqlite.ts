/**
 * Direct SQL on a store's SQLite file, for tests that tamper with it as someone with file access would. The
 * same driver choice as the store (src/store/db/connect.ts): better-sqlite3 12 aborts Node 24.19+ processes
 * when its statements are collected, so Node 24 uses node:sqlite.
 */
export interface RawSqlite {
  get(sql: string): unknown;
  run(sql: string): void;
  close(): void;
}

export async function openRawSqlite(file: string): Promise<RawSqlite> {
  if (Number(process.versions.node.split(".")[0]) >= 24) {
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(file);
    return {
      get: (sql) => db.prepare(sql).all()[0],
      run: (sql) => {
        db.prepare(sql).run();
      },
      close: () => db.close(),
    };
  }
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(file);
  return {
    get: (sql) => db.prepare(sql).get(),
    run: (sql) => {
      db.prepare(sql).run();
    },
    close: () => db.close(),
  };
}
