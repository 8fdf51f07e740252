/**
 * The part of Node's built-in `node:sqlite` (Node 22.13+, 24) the store uses. @types/node 20, which this
 * project pins for its lowest supported runtime, does not describe it.
 */
declare module "node:sqlite" {
  type SqliteValue = null | number | bigint | string | Uint8Array;
  export class StatementSync {
    all(...parameters: SqliteValue[]): Record<string, SqliteValue>[];
    run(...parameters: SqliteValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
    iterate(...parameters: SqliteValue[]): IterableIterator<Record<string, SqliteValue>>;
    columns(): { name: string }[];
  }
  export class DatabaseSync {
    constructor(path: string);
    exec(sql: string): void;
    prepare(sql: string): StatementSync;
    close(): void;
  }
}
