import type { Pool } from "pg";
import { decodeControls } from "./drift.js";

/**
 * The evidence export on PostgreSQL. Unlike SQLite (see evidence.ts), building the lines in SQL made
 * PostgreSQL the bottleneck: its expression evaluation cost about 8-10 µs a row (to_json and text
 * concatenation), more than JavaScript needs to format a row. So PostgreSQL returns the plain columns, as
 * arrays rather than objects, from a named prepared statement (planned once per connection); JavaScript
 * writes the lines; and the next page is already being read while this one is formatted, so the
 * database and the store each keep a core busy.
 */

const PAGE = 1000;

const COLUMNS =
  "f.id, f.observed_at, f.rule_id, f.resource_uid, f.resource_type, f.status, f.severity, f.policy, " +
  "f.controls, f.message, f.evidence, f.exception, f.report_id, f.ledger_seq, " +
  "coalesce(l.entry_hash, '') as entry_hash, coalesce(l.content_hash, '') as content_hash";

/** [id, observed_at, rule_id, resource_uid, resource_type, status, severity, policy, controls, message, evidence, exception, report_id, ledger_seq, entry_hash, content_hash] */
type Row = [
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string | null,
  string,
  number | string,
  string,
  string,
];

export async function* pgEvidencePages(
  pool: Pool,
  filters: string[],
  params: unknown[],
  format: "jsonl" | "csv",
): AsyncGenerator<string> {
  const where = ["(f.observed_at, f.id) > ($1, $2)", ...filters].join(" and ");
  const text =
    `select ${COLUMNS} from findings f left join ledger l on l.seq = f.ledger_seq ` +
    `where ${where} order by f.observed_at, f.id limit ${PAGE}`;
  // One name per distinct statement text (the filters present), so each connection prepares it once.
  const name = `assay_evidence_${filters.length}_${hashText(text)}`;
  const read = (afterAt: string, afterId: number): Promise<{ rows: Row[] }> =>
    pool.query<Row>({ name, text, values: [afterAt, afterId, ...params], rowMode: "array" });
  const line = format === "csv" ? csvRow : jsonRow;
  let pending: Promise<{ rows: Row[] }> | undefined = read("", 0);
  try {
    while (pending) {
      const rows: Row[] = (await pending).rows;
      const last = rows[rows.length - 1];
      // Read ahead: the database fetches the next page while this one is formatted and sent.
      pending = rows.length === PAGE && last ? read(last[1], last[0]) : undefined;
      if (rows.length === 0) return;
      let chunk = "";
      for (const row of rows) chunk += line(row);
      yield chunk;
    }
  } finally {
    // A client that went away leaves the read-ahead unawaited: its failure is of no interest then.
    pending?.catch(() => undefined);
  }
}

const controlsJson = new Map<string, string>();
const controlsText = new Map<string, string>();

function controlsAsJson(encoded: string): string {
  let out = controlsJson.get(encoded);
  if (out === undefined) {
    out = JSON.stringify(decodeControls(encoded));
    if (controlsJson.size < 10_000) controlsJson.set(encoded, out);
  }
  return out;
}

function controlsAsText(encoded: string): string {
  let out = controlsText.get(encoded);
  if (out === undefined) {
    out = decodeControls(encoded).join(" ");
    if (controlsText.size < 10_000) controlsText.set(encoded, out);
  }
  return out;
}

const q = JSON.stringify;

function jsonRow(r: Row): string {
  return (
    `{"observedAt":${q(r[1])},"ruleId":${q(r[2])},"resourceUid":${q(r[3])},"resourceType":${q(r[4])},` +
    `"status":${q(r[5])},"severity":${q(r[6])},"policy":${q(r[7])},"controls":${controlsAsJson(r[8])},` +
    `"message":${q(r[9])},"evidence":${r[10]},"exception":${r[11] ?? "null"},"reportId":${q(r[12])},` +
    `"ledgerSeq":${r[13]},"ledgerEntryHash":"${r[14]}","reportHash":"${r[15]}"}\n`
  );
}

const NEEDS_QUOTES = /[",\n\r]/;
const FORMULA = /^[=+\-@\t\r]/;

/** RFC 4180 cell; a leading formula character gets a `'` so a spreadsheet never executes the cell. */
function cell(value: string): string {
  const safe = FORMULA.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvRow(r: Row): string {
  // A sequence number and hex hashes never need quoting.
  return (
    `${cell(r[1])},${cell(r[2])},${cell(r[3])},${cell(r[4])},${cell(r[5])},${cell(r[6])},${cell(r[7])},` +
    `${cell(controlsAsText(r[8]))},${cell(r[9])},${cell(r[10])},${cell(r[12])},${r[13]},${r[14]},${r[15]}\n`
  );
}

/** A short stable tag for a statement text (FNV-1a), to name its prepared statement. */
function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
