import type { FastifyInstance } from "fastify";
import type { CompiledQuery, Kysely, QueryResult } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/canonical.js";
import type { Database } from "../../src/store/db/schema.js";
import { decodeControls } from "../../src/store/drift.js";
import { EVIDENCE_CSV_HEADER, evidenceChunks } from "../../src/store/evidence.js";
import { databases, freshDatabase, personToken, type TestDatabase, testApp } from "./fixtures.js";

/**
 * The export builds its lines in SQL (json_quote / to_json, CSV quoting in CASE expressions). This suite
 * pins the output, byte for byte, to a plain JavaScript formatter of the same rows (JSON.stringify and an
 * RFC 4180 cell function), over values chosen to hit every escaping rule, across several pages.
 */

interface Row {
  id: number;
  observed_at: string;
  rule_id: string;
  resource_uid: string;
  resource_type: string;
  status: string;
  severity: string;
  policy: string;
  controls: string;
  message: string;
  evidence: string;
  exception: string | null;
  report_id: string;
  ledger_seq: number;
  failing_since: string | null;
}

const TRICKY = [
  "plain",
  '=HYPERLINK("http://x"),then',
  "+1",
  "-2 starts with minus",
  "@at",
  "\ttab first",
  "\rcarriage first",
  'quote " inside',
  "comma, inside",
  "line\nbreak",
  "back\\slash and /slash",
  "ünïcödé ✓ 😀 \u2028 \u2029",
  "controls \u0001\u0008\u000c\u001f and DEL \u007f",
  "",
];

const CONTROLS = [
  "",
  "|iso27001-2022:A.8.24|",
  "|iso27001-2022:A.8.24|cyber-essentials:secure-configuration|",
  '|iso27001-2022:A.8.24|odd "quoted" \\ id,with comma|',
];

/** The export's row formats written directly in JavaScript: the reference the SQL must match. */
function referenceJsonLine(r: Row, entryHash: string, reportHash: string): string {
  return (
    `{"observedAt":${JSON.stringify(r.observed_at)},"ruleId":${JSON.stringify(r.rule_id)},` +
    `"resourceUid":${JSON.stringify(r.resource_uid)},"resourceType":${JSON.stringify(r.resource_type)},` +
    `"status":${JSON.stringify(r.status)},` +
    (r.failing_since === null ? "" : `"failingSince":${JSON.stringify(r.failing_since)},`) +
    `"severity":${JSON.stringify(r.severity)},` +
    `"policy":${JSON.stringify(r.policy)},"controls":${JSON.stringify(decodeControls(r.controls))},` +
    `"message":${JSON.stringify(r.message)},"evidence":${r.evidence},"exception":${r.exception ?? "null"},` +
    `"reportId":${JSON.stringify(r.report_id)},"ledgerSeq":${r.ledger_seq},` +
    `"ledgerEntryHash":"${entryHash}","reportHash":"${reportHash}"}\n`
  );
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function referenceCsvLine(r: Row, entryHash: string, reportHash: string): string {
  return `${[
    r.observed_at,
    r.rule_id,
    r.resource_uid,
    r.resource_type,
    r.status,
    r.severity,
    r.policy,
    decodeControls(r.controls).join(" "),
    r.message,
    r.evidence,
    r.report_id,
    String(r.ledger_seq),
    entryHash,
    reportHash,
    r.failing_since ?? "",
  ]
    .map(csvCell)
    .join(",")}\n`;
}

/** 2,600 rows: three pages, 13 rows sharing each timestamp so page edges fall inside a timestamp. */
const ROWS = 2600;

async function seed(db: Kysely<Database>): Promise<void> {
  const start = Date.parse("2026-05-01T00:00:00Z");
  const reports = 40;
  // Ledger entries for every report but the last: its rows show empty hashes instead of vanishing.
  await db
    .insertInto("ledger")
    .values(
      Array.from({ length: reports - 1 }, (_, i) => ({
        seq: 1000 + i,
        kind: "report",
        ref: `R${i}`,
        content_hash: sha256Hex(`content ${i}`),
        prev_hash: sha256Hex(`prev ${i}`),
        entry_hash: sha256Hex(`entry ${i}`),
        appended_at: new Date(start).toISOString(),
      })),
    )
    .execute();
  const rows = Array.from({ length: ROWS }, (_, i) => {
    const t = (k: number) => TRICKY[(i + k) % TRICKY.length]!;
    return {
      report_id: `R${i % reports}${i % 7 === 0 ? t(3) : ""}`,
      ledger_seq: 1000 + (i % reports),
      agent_id: "agent-1",
      // Inserted out of time order, so the export must order by (observed_at, id), not by insertion.
      observed_at: new Date(start + ((i * 7919) % (ROWS / 13)) * 1000).toISOString(),
      rule_id: `RULE-${i % 11}${t(1)}`,
      resource_uid: t(2) || "uid",
      resource_type: i % 2 ? "device" : `aws.s3.bucket${t(5)}`,
      status: ["pass", "fail", "error", "skip"][i % 4]!,
      severity: "high",
      policy: t(4) || "encryption",
      controls: CONTROLS[i % CONTROLS.length]!,
      message: t(0),
      evidence: JSON.stringify({ "a.b": { value: t(6), source: `cmd: ${t(7)}` }, n: { value: i } }),
      exception: i % 5 === 0 ? JSON.stringify({ reason: t(8), owner: "lead", expires: "2027-01-01" }) : null,
      // Set on failing rows only, as ingest does: mostly an ISO time, now and then text that needs escaping
      // (the export must not trust the column to hold only timestamps).
      failing_since:
        i % 4 !== 1
          ? null
          : i % 3 === 0
            ? `${t(9)}2026-04-01T00:00:00.000Z`
            : new Date(start - (i % 17) * 86_400_000).toISOString(),
    };
  });
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto("findings")
      .values(rows.slice(i, i + 200))
      .execute();
}

async function referenceExport(db: Kysely<Database>, format: "jsonl" | "csv", control?: string) {
  const rows = (await db
    .selectFrom("findings")
    .selectAll()
    .orderBy("observed_at")
    .orderBy("id")
    .execute()) as unknown as Row[];
  const ledger = new Map(
    (await db.selectFrom("ledger").select(["seq", "entry_hash", "content_hash"]).execute()).map((l) => [
      Number(l.seq),
      l,
    ]),
  );
  let out = format === "csv" ? EVIDENCE_CSV_HEADER : "";
  let n = 0;
  for (const r of rows) {
    if (control && !decodeControls(r.controls).includes(control)) continue;
    const l = ledger.get(Number(r.ledger_seq));
    const line = format === "csv" ? referenceCsvLine : referenceJsonLine;
    out += line(
      { ...r, id: Number(r.id), ledger_seq: Number(r.ledger_seq) },
      l?.entry_hash ?? "",
      l?.content_hash ?? "",
    );
    n++;
  }
  return { out, n };
}

describe.each(databases())("evidence export format on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let auditor: string;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options);
    auditor = await personToken(app, "auditor");
    await seed(app.assay.store.db);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  const reference = (format: "jsonl" | "csv", control?: string) =>
    referenceExport(app.assay.store.db, format, control);

  const exported = async (query: string) => {
    const res = await app.inject({
      method: "GET",
      url: `/v1/evidence?${query}`,
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it("writes JSON lines byte for byte as JSON.stringify would, across pages", async () => {
    const { out, n } = await reference("jsonl");
    expect(n).toBe(ROWS);
    const body = await exported("format=jsonl");
    expect(body.split("\n")).toHaveLength(ROWS + 1);
    expect(body).toBe(out);
    for (const line of body.trimEnd().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("writes CSV byte for byte as the RFC 4180 cell function would, across pages", async () => {
    const { out } = await reference("csv");
    expect(await exported("format=csv")).toBe(out);
  });

  it("filters by a control that needs JSON and LIKE escaping, in both formats", async () => {
    const control = 'odd "quoted" \\ id,with comma';
    const json = await reference("jsonl", control);
    expect(json.n).toBe(ROWS / CONTROLS.length);
    expect(await exported(`control=${encodeURIComponent(control)}`)).toBe(json.out);
    const csv = await reference("csv", control);
    expect(await exported(`control=${encodeURIComponent(control)}&format=csv`)).toBe(csv.out);
  });
});

// The page-order check exists on SQLite only (PostgreSQL returns plain rows in ORDER BY order).
describe("evidence export page order on sqlite", () => {
  let tdb: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    tdb = await freshDatabase({ name: "sqlite" });
    app = await testApp(tdb.options);
    await seed(app.assay.store.db);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("re-reads a page with the sorted query when its rows arrive out of order", async () => {
    // Unit level: the database is real, only the reply of the unsorted page query is disturbed (its
    // keys swapped), as if the rows had reached the aggregate out of order.
    const store = app.assay.store;
    let disturbed = 0;
    let sorted = 0;
    const db = new Proxy(store.db, {
      get(target, property, receiver) {
        if (property !== "executeQuery") return Reflect.get(target, property, receiver);
        return async (query: CompiledQuery) => {
          const result = (await target.executeQuery(query)) as QueryResult<{ keys: string | null }>;
          if (query.sql.includes("order by p.o")) sorted++;
          else if (result.rows[0]?.keys) {
            const keys = result.rows[0].keys.split("\n");
            [keys[0], keys[1]] = [keys[1]!, keys[0]!];
            result.rows[0].keys = keys.join("\n");
            disturbed++;
          }
          return result;
        };
      },
    });
    // Decoded once at the end: a COPY chunk can end inside a multi-byte character.
    const parts: Buffer[] = [];
    for await (const chunk of evidenceChunks({ db, dialect: store.dialect }, {}, "jsonl"))
      parts.push(Buffer.from(chunk));
    const body = Buffer.concat(parts).toString("utf8");
    expect(disturbed).toBe(3);
    expect(sorted).toBe(3);
    expect(body).toBe((await referenceExport(store.db, "jsonl")).out);
  });
});

// PostgreSQL streams one COPY per export on a pooled connection: a reader that stops early must not
// leave that connection, still mid-COPY, in the pool.
describe.each(databases().filter((d) => d.name === "postgres"))(
  "evidence export abandoned on $name",
  (database) => {
    let tdb: TestDatabase;
    let app: FastifyInstance;

    beforeAll(async () => {
      tdb = await freshDatabase(database);
      app = await testApp(tdb.options);
      await seed(app.assay.store.db);
    });
    afterAll(async () => {
      await app?.close();
      await tdb?.drop();
    });

    it("discards the connection of a COPY whose reader went away, and the next export is whole", async () => {
      const store = app.assay.store;
      const pool = store.pgPool!;
      const chunks = evidenceChunks(store, {}, "jsonl");
      const first = await chunks.next();
      expect(first.done).toBe(false);
      expect(pool.totalCount - pool.idleCount).toBeGreaterThan(0); // the COPY holds a connection
      await chunks.return(undefined);
      expect(pool.totalCount - pool.idleCount).toBe(0);
      // No backend is left running the copy.
      const running = async () =>
        (
          await pool.query<{ n: string }>(
            "select count(*) as n from pg_stat_activity where query like 'copy (select%' and state = 'active'",
          )
        ).rows[0]!.n;
      for (let i = 0; i < 50 && (await running()) !== "0"; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await running()).toBe("0");
      // Decoded once at the end: a COPY chunk can end inside a multi-byte character (seen under load).
      const parts: Buffer[] = [];
      for await (const chunk of evidenceChunks(store, {}, "jsonl")) parts.push(Buffer.from(chunk));
      const body = Buffer.concat(parts).toString("utf8");
      expect(body).toBe((await referenceExport(store.db, "jsonl")).out);
    });
  },
);
