import { CompiledQuery, type Transaction } from "kysely";
import type { Dialect } from "./connect.js";
import type { Database } from "./schema.js";

/**
 * Multi-row INSERT for the ingest hot path. Kysely builds and compiles an operation tree per query
 * (about a tenth of the ingest CPU with 40 findings per report); the SQL text of an insert depends only
 * on the table, the columns and the row count, so it is built once per shape and kept, and the values go
 * straight to the driver (SQLite statements are also kept prepared by SQL text, see connect.ts).
 * Table and column names come from code, never from input.
 */
const sqlByShape = new Map<string, string>();

function insertSql(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: number,
  suffix: string,
): string {
  const key = `${dialect}\u0000${table}\u0000${columns.join(",")}\u0000${rows}\u0000${suffix}`;
  let text = sqlByShape.get(key);
  if (text) return text;
  const tuples: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const marks: string[] = [];
    for (let c = 0; c < columns.length; c++) marks.push(dialect === "postgres" ? `$${++n}` : "?");
    tuples.push(`(${marks.join(", ")})`);
  }
  text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) values ${tuples.join(", ")}${suffix}`;
  if (sqlByShape.size >= 512) sqlByShape.delete(sqlByShape.keys().next().value!);
  sqlByShape.set(key, text);
  return text;
}

/**
 * Inserts `rows` (each an array of values in `columns` order) in chunks of at most `chunk` rows.
 * `suffix` is appended verbatim (e.g. an ON CONFLICT clause written in code).
 */
export async function insertRows(
  trx: Transaction<Database>,
  dialect: Dialect,
  table: keyof Database & string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  chunk: number,
  suffix = "",
): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const values: unknown[] = [];
    for (const row of part) for (const value of row) values.push(value);
    await trx.executeQuery(
      CompiledQuery.raw(insertSql(dialect, table, columns, part.length, suffix), values),
    );
  }
}

/** `on conflict (keys) do update set c = excluded.c, …`: the same in SQLite and PostgreSQL. */
export function upsertSuffix(keys: readonly string[], update: readonly string[]): string {
  return ` on conflict (${keys.map((k) => `"${k}"`).join(", ")}) do update set ${update
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(", ")}`;
}
