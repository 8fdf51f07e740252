import type { Pool, PoolClient } from "pg";
import { to as copyTo } from "pg-copy-streams";

/**
 * The evidence export on PostgreSQL: one `COPY (SELECT …) TO STDOUT` whose rows are the output lines, so
 * PostgreSQL formats every line in C and the store only relays the bytes to the socket.
 *
 * Why (bench/evidence-export, 1,000,000 rows): reading plain columns into JavaScript and writing the
 * lines there cost the store 8-10 s of CPU (node-postgres makes a string of every column of every row
 * first), 11-17 s for the whole export. Building the lines in PostgreSQL costs it 3-4 s of CPU for the
 * million (an earlier measurement of 8-10 µs a row was the first read after seeding, which sets hint
 * bits on every row), and COPY streams them without per-row protocol work: 6-8 s in all.
 *
 * Unlike SQLite's paged reads (see evidence.ts) the COPY holds one pooled connection, and its snapshot,
 * for the whole export; the pool has others, and backpressure from the client's socket pauses the copy,
 * so memory stays flat. COPY takes no bind parameters: the filter values are quoted with the driver's
 * `escapeLiteral`.
 *
 * JSON lines go out through CSV mode with a quote and a delimiter that never occur in the data (0x01,
 * 0x02): every piece of a line is either `to_json` output or JSON the store wrote with JSON.stringify at
 * ingest, neither of which holds a raw control character, so PostgreSQL never quotes and each line
 * arrives as built. CSV uses PostgreSQL's own CSV writer, which quotes exactly when RFC 4180 needs it (a
 * comma, quote, CR or LF); empty strings are turned into NULL because PostgreSQL writes "" for them, and a
 * cell starting with a formula character gets the same `'` prefix as in every other CSV of Assay.
 * test/store/evidence-format.test.ts pins both formats byte for byte to a JavaScript formatter.
 */

/** A CSV text cell: NULL for empty (written as nothing), `'` before a leading formula character. */
function csvText(x: string): string {
  return (
    `case when ${x} = '' then null ` +
    `when left(${x}, 1) in ('=', '+', '-', '@', e'\\t', e'\\r') then '''' || ${x} else ${x} end`
  );
}

/** The stored `|a|b|` controls without the outer bars (as `decodeControls` reads them). */
const CONTROLS_INNER = "substr(f.controls, 2, length(f.controls) - 2)";

const JSON_LINE =
  `'{"observedAt":' || to_json(f.observed_at) || ',"ruleId":' || to_json(f.rule_id) ||` +
  ` ',"resourceUid":' || to_json(f.resource_uid) || ',"resourceType":' || to_json(f.resource_type) ||` +
  ` ',"status":' || to_json(f.status) ||` +
  // Only a failing row has it (null otherwise).
  ` case when f.failing_since is null then '' else ',"failingSince":' || to_json(f.failing_since) end ||` +
  ` ',"severity":' || to_json(f.severity) ||` +
  ` ',"policy":' || to_json(f.policy) || ',"controls":' ||` +
  ` case when f.controls = '' then '[]' else to_json(string_to_array(${CONTROLS_INNER}, '|'))::text end ||` +
  ` ',"message":' || to_json(f.message) || ',"evidence":' || f.evidence ||` +
  ` ',"exception":' || coalesce(f.exception, 'null') || ',"reportId":' || to_json(f.report_id) ||` +
  ` ',"ledgerSeq":' || f.ledger_seq || ',"ledgerEntryHash":"' || coalesce(l.entry_hash, '') ||` +
  ` '","reportHash":"' || coalesce(l.content_hash, '') || '"}'`;

const CSV_COLUMNS = [
  csvText("f.observed_at"),
  csvText("f.rule_id"),
  csvText("f.resource_uid"),
  csvText("f.resource_type"),
  csvText("f.status"),
  csvText("f.severity"),
  csvText("f.policy"),
  csvText(`(case when f.controls = '' then '' else replace(${CONTROLS_INNER}, '|', ' ') end)`),
  csvText("f.message"),
  csvText("f.evidence"),
  csvText("f.report_id"),
  "f.ledger_seq",
  "l.entry_hash",
  "l.content_hash",
  // Last: added after the others, so their positions did not move.
  csvText("coalesce(f.failing_since, '')"),
].join(", ");

const COPY_OPTIONS = {
  jsonl: "(format csv, quote e'\\x01', delimiter e'\\x02')",
  csv: "(format csv)",
} as const;

/**
 * The COPY statement of an export. `filters` are conditions on `findings f` whose placeholders `$1…` stand for
 * `params` (see evidenceFilters), inlined here as literals.
 */
export function evidenceCopySql(
  filters: string[],
  params: unknown[],
  format: "jsonl" | "csv",
  quote: (value: string) => string,
): string {
  const conditions = filters.map((filter) =>
    filter.replace(/\$(\d+)/g, (_, n: string) => {
      const value = params[Number(n) - 1];
      if (typeof value !== "string") throw new Error(`evidence filter parameter $${n} is not a string`);
      return quote(value);
    }),
  );
  const where = conditions.length > 0 ? `where ${conditions.join(" and ")} ` : "";
  const select = format === "csv" ? CSV_COLUMNS : JSON_LINE;
  return (
    `copy (select ${select} from findings f left join ledger l on l.seq = f.ledger_seq ` +
    `${where}order by f.observed_at, f.id) to stdout with ${COPY_OPTIONS[format]}`
  );
}

export async function* pgEvidencePages(
  pool: Pool,
  filters: string[],
  params: unknown[],
  format: "jsonl" | "csv",
): AsyncGenerator<Buffer> {
  const client: PoolClient = await pool.connect();
  let finished = false;
  let stream: ReturnType<typeof copyTo> | undefined;
  try {
    stream = client.query(copyTo(evidenceCopySql(filters, params, format, (v) => client.escapeLiteral(v))));
    for await (const chunk of stream) yield chunk as Buffer;
    finished = true;
  } finally {
    // A client that went away, or a failed copy, leaves the connection mid-COPY: discard it rather than
    // hand it back to the pool.
    if (!finished) stream?.destroy();
    client.release(!finished);
  }
}
