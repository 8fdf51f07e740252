import { CompiledQuery, type Kysely } from "kysely";
import type { Dialect, StoreDb } from "./db/connect.js";
import type { Database } from "./db/schema.js";
import { pgEvidencePages } from "./evidence-pg.js";

export interface EvidenceQuery {
  control?: string;
  /** Inclusive lower bound on the time the finding was observed (ISO). */
  from?: string;
  /** Exclusive upper bound (ISO). */
  to?: string;
}

export type EvidenceFormat = "jsonl" | "csv";

/** Rows per page: one page is one database round trip and one output chunk of about 0.5-0.7 MB. */
const PAGE = 1000;

export const EVIDENCE_CSV_HEADER =
  "observed_at,rule_id,resource_uid,resource_type,status,severity,policy,controls,message,evidence,report_id,ledger_seq,ledger_entry_hash,report_hash,failing_since\n";

/**
 * Yields the evidence rows of a period as output chunks (JSON lines or CSV), in (observed_at, id) order,
 * which the findings_observed_at_id index serves for both the range and the order. SQLite reads a page at
 * a time (keyset pagination), so each page costs the same and its single connection is never held between
 * pages; PostgreSQL streams one COPY (see evidence-pg.ts). Memory stays flat either way. Each row carries its report id, ledger
 * sequence, the ledger entry hash and the report hash, so an auditor can trace it to the chain that
 * `assay store verify` checks, and a failing row since when its pair had failed as of that observation
 * (`findings.failing_since`, written at ingest, which verify also recomputes). Evidence and exception JSON are
 * stored as text and copied verbatim.
 * test/store/evidence-format.test.ts checks the output of both dialects byte for byte against a
 * JavaScript formatter of the same rows.
 */
export async function* evidenceChunks(
  store: Pick<StoreDb, "db" | "dialect" | "pgPool">,
  query: EvidenceQuery,
  format: EvidenceFormat,
): AsyncGenerator<Buffer | string> {
  if (format === "csv") yield EVIDENCE_CSV_HEADER;
  const { filters, params } = evidenceFilters(store.dialect, query);
  if (store.dialect === "postgres") {
    if (!store.pgPool) throw new Error("the PostgreSQL evidence export needs the connection pool");
    yield* pgEvidencePages(store.pgPool, filters, params, format);
  } else {
    yield* sqliteEvidencePages(store.db, filters, params, format);
  }
}

/**
 * The filters of an evidence query as SQL conditions on `findings f` with their values. Placeholders:
 * `?` on SQLite (after the keyset position of its page query), `$1`, `$2`… on PostgreSQL (whose COPY
 * inlines them, see evidence-pg.ts).
 */
export function evidenceFilters(
  dialect: Dialect,
  query: EvidenceQuery,
): { filters: string[]; params: unknown[] } {
  const params: unknown[] = [];
  const filters: string[] = [];
  const mark = () => (dialect === "postgres" ? `$${params.length + 1}` : "?");
  if (query.control) {
    filters.push(`f.controls like ${mark()} escape '!'`);
    params.push(`%|${escapeLike(query.control)}|%`);
  }
  if (query.from) {
    filters.push(`f.observed_at >= ${mark()}`);
    params.push(query.from);
  }
  if (query.to) {
    filters.push(`f.observed_at < ${mark()}`);
    params.push(query.to);
  }
  return { filters, params };
}

/**
 * SQLite: the lines are built in SQL. Formatting a million rows in JavaScript meant better-sqlite3
 * materialising 14 strings per row, then concatenating and re-encoding them (about 12 µs of CPU per row).
 * SQLite has every value in hand, quotes JSON strings natively (`json_quote`) and concatenates a page
 * into one value, so each page crosses into JavaScript as a single Buffer that goes straight to the
 * socket (about 4 µs per JSON line). SQLite runs in this process, so this is a saving, not a move.
 */
async function* sqliteEvidencePages(
  db: Kysely<Database>,
  filters: string[],
  params: unknown[],
  format: EvidenceFormat,
): AsyncGenerator<Buffer | string> {
  const sql = pageSql(format, filters);
  let afterAt = "";
  let afterId = 0;
  for (;;) {
    const values = [afterAt, afterId, ...params, PAGE];
    let page = (await db.executeQuery<PageRow>(CompiledQuery.raw(sql.unordered, values))).rows[0];
    let keys = page?.keys ? page.keys.split("\n") : [];
    if (!inOrder(keys, Number(page?.n ?? 0))) {
      // Never seen: the rows reached the aggregate out of order. Pay for the sort on this page.
      page = (await db.executeQuery<PageRow>(CompiledQuery.raw(sql.ordered, values))).rows[0];
      keys = page?.keys ? page.keys.split("\n") : [];
    }
    const rows = page ? Number(page.n) : 0;
    if (rows === 0 || !page?.body) return;
    yield page.body;
    if (rows < PAGE) return;
    // The last key is "<observed_at> 1<id as 18 digits>" (see buildPageSql).
    const last = keys[keys.length - 1]!;
    const space = last.lastIndexOf(" ");
    afterAt = last.slice(0, space);
    afterId = Number(last.slice(space + 2));
  }
}

interface PageRow {
  n: number | string;
  /** The page's output: a Buffer on SQLite (no UTF-8 decode and re-encode), text on PostgreSQL. */
  body: Buffer | string | null;
  /** The rows' keys, newline-separated, in the order their lines were added to `body`. */
  keys: string | null;
}

/**
 * True when there is one key per row and the keys rise strictly, i.e. the lines were concatenated in
 * (observed_at, id) order. Both aggregates of the page query see the rows in the same order, so this
 * proves the order of `body` without a sort inside the database (the sort was about a third of the
 * SQLite cost of a JSON-lines export). A key holding a newline, or text that JavaScript orders differently
 * from the database, only sends the page to the sorted query.
 */
function inOrder(keys: string[], rows: number): boolean {
  if (keys.length !== rows) return false;
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
}

/** 10^18: added to a row id to give every id the same number of digits (ids stay far below 8 x 10^18). */
const ID_OFFSET = "1000000000000000000";

interface PageSql {
  /** Lines concatenated in the order the rows arrive; the keys show whether that order held. */
  unordered: string;
  /** The same with ORDER BY inside the aggregates. */
  ordered: string;
}

const queryCache = new Map<string, PageSql>();

/** The SQLite page queries for a format and set of filters: SQL text from code only, values bound. */
function pageSql(format: EvidenceFormat, filters: string[]): PageSql {
  const key = `${format} ${filters.join(" and ")}`;
  let sql = queryCache.get(key);
  if (!sql) {
    sql = { unordered: buildPageSql(format, filters, false), ordered: buildPageSql(format, filters, true) };
    queryCache.set(key, sql);
  }
  return sql;
}

function buildPageSql(format: EvidenceFormat, filters: string[], sorted: boolean): string {
  const where = ["(f.observed_at, f.id) > (?, ?)", ...filters].join(" and ");
  // Innermost: the page's rows. Its LIMIT keeps it a subquery of its own, so the values (and the CSV
  // pre-test text `t`) are computed once per row however often the line expression refers to them.
  const rows =
    `select f.id, f.observed_at, f.rule_id, f.resource_uid, f.resource_type, f.status, f.severity, ` +
    `f.policy, f.controls, f.message, f.evidence, f.exception, f.report_id, f.ledger_seq, ` +
    `coalesce(f.failing_since, '') as failing_since, ` +
    `coalesce(l.entry_hash, '') as entry_hash, coalesce(l.content_hash, '') as content_hash` +
    `${format === "csv" ? `, ${csvPretestText}` : ""} ` +
    `from findings f left join ledger l on l.seq = f.ledger_seq ` +
    `where ${where} order by f.observed_at, f.id limit ?`;
  const line = format === "csv" ? csvLine() : jsonLine();
  // "<observed_at> 1<id as 18 digits>": equal-width ids, so keys compare like (observed_at, id).
  const key = `r.observed_at || ' ' || (r.id + ${ID_OFFSET})`;
  const order = sorted ? " order by p.o, p.i" : "";
  return (
    `select count(*) as n, cast(group_concat(p.line, ''${order}) as blob) as body, ` +
    `group_concat(p.k, char(10)${order}) as keys from (` +
    `select r.observed_at as o, r.id as i, ${key} as k, ${line} as line from (${rows}) r) p`
  );
}

/**
 * One JSON line, the same bytes JSON.stringify would give for these values in this key order:
 * `json_quote` escapes `"`, `\` and control characters and leaves everything else as is. Controls are
 * stored as `|a|b|`: the JSON array is the quoted inner text with each `|` turned into `","` (a control
 * id never contains `|`). concat() rather than format(): SQLite's printf machinery cost more than the
 * quoting (measured).
 */
function jsonLine(): string {
  const q = (column: string) => `json_quote(${column})`;
  const inner = "substr(r.controls, 2, length(r.controls) - 2)";
  const controls = `case when r.controls = '' then '[]' else '[' || replace(${q(inner)}, '|', '","') || ']' end`;
  // Only a failing row has it (the column is null otherwise, read as '').
  const failingSince = `case when r.failing_since = '' then '' else ',"failingSince":' || ${q("r.failing_since")} end`;
  return (
    `concat('{"observedAt":', ${q("r.observed_at")}, ',"ruleId":', ${q("r.rule_id")}, ` +
    `',"resourceUid":', ${q("r.resource_uid")}, ',"resourceType":', ${q("r.resource_type")}, ` +
    `',"status":', ${q("r.status")}, ${failingSince}, ',"severity":', ${q("r.severity")}, ` +
    `',"policy":', ${q("r.policy")}, ` +
    `',"controls":', ${controls}, ',"message":', ${q("r.message")}, ',"evidence":', r.evidence, ` +
    `',"exception":', coalesce(r.exception, 'null'), ',"reportId":', ${q("r.report_id")}, ` +
    `',"ledgerSeq":', r.ledger_seq, ',"ledgerEntryHash":"', r.entry_hash, ` +
    `'","reportHash":"', r.content_hash, '"}\n')`
  );
}

/**
 * One CSV row (RFC 4180): a cell holding `"`, `,`, CR or LF is quoted with `"` doubled; a cell starting
 * with a formula character (= + - @ tab CR) gets a leading `'` so a spreadsheet never executes it.
 * Testing each cell for the four characters was most of the CSV cost, so the short text cells are tested
 * together first (`t`, see csvPretestText): most rows need no quoting outside the evidence JSON, and only
 * a row that does pays for the per-cell tests.
 */
function csvLine(): string {
  // Control characters are written into the SQL string literals as they are. LIKE '%c%' finds one
  // character several times faster than instr() or GLOB (measured).
  const special = (x: string) =>
    `(${x} like '%"%' or ${x} like '%,%' or ${x} like '%\n%' or ${x} like '%\r%')`;
  const safe = (x: string) => `case when ${x} glob '[-=+@\t\r]*' then '''' || ${x} else ${x} end`;
  const quoted = (x: string) =>
    `case when ${special(x)} then '"' || replace(${safe(x)}, '"', '""') || '"' else ${safe(x)} end`;
  const controls = `(case when r.controls = '' then '' else replace(substr(r.controls, 2, length(r.controls) - 2), '|', ' ') end)`;
  const cells = [
    "r.observed_at",
    "r.rule_id",
    "r.resource_uid",
    "r.resource_type",
    "r.status",
    "r.severity",
    "r.policy",
    controls,
    "r.message",
    "r.evidence",
    "r.report_id",
  ];
  // A sequence number and hex hashes never need quoting. failing_since comes last (added after the others, so
  // their positions did not move); it is an ISO time, but quoted like any text cell all the same.
  const tail = ["r.ledger_seq", "r.entry_hash", "r.content_hash"];
  const row = (cell: (x: string) => string) =>
    `concat(${[...cells.map(cell), ...tail, cell("r.failing_since")].join(", ',', ")}, '\n')`;
  const unquoted = (x: string) => (x === "r.evidence" ? quoted(x) : safe(x));
  return `case when ${special("r.t")} then ${row(quoted)} else ${row(unquoted)} end`;
}

/**
 * The eleven short text cells of a CSV row (all but the evidence) run together, tested once for the four
 * characters that need quoting; turning the controls' `|` into spaces adds none of them.
 */
const csvPretestText =
  "concat(f.observed_at, f.rule_id, f.resource_uid, f.resource_type, f.status, f.severity, f.policy, " +
  "f.controls, f.message, f.report_id, f.failing_since) as t";

/** LIKE wildcards in a control id are matched literally (`!` is the escape character in both dialects). */
function escapeLike(value: string): string {
  return value.replace(/[%_!]/g, (c) => `!${c}`);
}
