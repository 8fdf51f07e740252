import type { Kysely, Selectable } from "kysely";
import { canonicalJson, sha256Hex } from "../core/canonical.js";
import type { ScanReport } from "../core/report.js";
import { verifyReportSignature } from "../core/signing.js";
import { dailyResultsDifferences } from "./daily-results.js";
import type {
  Database,
  DisposalsTable,
  FindingsTable,
  LedgerRecordsTable,
  LedgerTable,
  StoreExceptionsTable,
} from "./db/schema.js";
import { decodeControls } from "./drift.js";
import { foldException } from "./exceptions.js";
import { entryHash, GENESIS_HASH } from "./ledger.js";
import { type IdentityRecord, isRecordKind, recordBody } from "./records.js";
import { disposalRecord } from "./retention.js";
import { type DerivedTables, Replay } from "./verify-derived.js";
import { TreeCheck } from "./verify-tree.js";

export interface BrokenEntry {
  /** The ledger entry the problem belongs to (0 when a table row names none). */
  seq: number;
  /** The report, record or table row concerned. */
  ref: string;
  /** The entry kind, or the table (`agents`, `current_state`, `drift_events`, `assets`, `resource_owners`, `findings`). */
  kind: string;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  reportsChecked: number;
  signaturesChecked: number;
  disposedReports: number;
  /** Identity and ownership entries (enrolments, revocations, scopes, re-binds) checked. */
  recordsChecked: number;
  /** Stored Merkle tree nodes compared with the tree recomputed from the ledger, and signed checkpoints checked. */
  treeNodesChecked: number;
  checkpointsChecked: number;
  /**
   * Whether current state, drift events, assets, resource owners and the findings' failing_since were
   * recomputed from the ledger and compared row by row. Not possible once reports have been disposed of (their bodies are gone).
   */
  derivedChecked: boolean;
  derivedNote?: string;
  /** Every problem found, counted by what it concerns (chain, report, findings, agents, …). */
  problems: number;
  counts: Record<string, number>;
  /** Every problem in chain order, then table by table (listed up to MAX_LISTED; counts stay exact). */
  broken: BrokenEntry[];
}

const PAGE = 500;
const MAX_LISTED = 10_000;

class Problems {
  readonly list: BrokenEntry[] = [];
  readonly counts: Record<string, number> = {};
  total = 0;
  add(category: string, entry: BrokenEntry): void {
    this.total += 1;
    this.counts[category] = (this.counts[category] ?? 0) + 1;
    if (this.list.length < MAX_LISTED) this.list.push(entry);
  }
}

/** An agent as its ledger entries describe it: enrolment, then revocation and scope changes. */
export interface AgentIdentity {
  hostname: string;
  platform: string;
  group: string;
  publicKeyPem: string;
  tokenHash: string;
  enrolledAt: string;
  revokedAt: string | null;
  scopes: string[];
}

/**
 * Re-checks the whole evidence ledger and everything served from it. The chain: each entry's hash and its
 * link to the one before. Reports: the stored body against its entry's hash, its signature against the
 * key its agent enrolled with (an enrolment entry), the report row and every field of every findings row
 * exported to auditors against the signed body. Identity entries against their records, and the agents
 * table against them. The Merkle tree and the stored checkpoints (verify-tree.ts). Then current state,
 * drift events, assets and resource owners are recomputed by
 * replaying the ledger and compared row by row. Every problem is reported, not only the first.
 */
export async function verifyLedger(db: Kysely<Database>): Promise<VerifyResult> {
  const problems = new Problems();
  const result = {
    entries: 0,
    reportsChecked: 0,
    signaturesChecked: 0,
    disposedReports: 0,
    recordsChecked: 0,
  };
  const disposals = new Map<string, DisposalsTable>();
  for (const d of await db.selectFrom("disposals").selectAll().execute()) disposals.set(d.id, d);
  const records = new Map<string, LedgerRecordsTable>();
  for (const r of await db.selectFrom("ledger_records").selectAll().execute()) records.set(r.id, r);
  const identities = foldIdentities(records);
  const replay = new Replay();
  const exceptions = new Map<string, StoreExceptionsTable>();
  const referenced = new Set<string>();
  const tree = await TreeCheck.load(db, (category, seq, ref, problem) =>
    problems.add(category, { seq, ref, kind: category, problem }),
  );

  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let lastSeq = 0;
  for (;;) {
    const page = await db
      .selectFrom("ledger")
      .selectAll()
      .where("seq", ">", lastSeq)
      .orderBy("seq")
      .limit(PAGE)
      .execute();
    if (page.length === 0) break;
    for (const raw of page) {
      const entry: LedgerTable = { ...raw, seq: Number(raw.seq) };
      const fail = (category: string, problem: string) =>
        problems.add(category, { seq: entry.seq, ref: entry.ref, kind: entry.kind, problem });
      if (entry.seq !== expectedSeq)
        fail("chain", `sequence gap: expected entry ${expectedSeq}, found ${entry.seq}`);
      if (entry.prev_hash !== prev) fail("chain", "previous-hash link does not match the entry before it");
      if (entryHash(entry) !== entry.entry_hash)
        fail("chain", "entry hash does not match the entry's contents");
      if (entry.kind === "report") {
        const checked = await checkReport(db, entry, identities, disposals, result, fail);
        if (checked === "disposed") replay.markIncomplete();
        else if (checked) {
          const since = replay.applyReport(checked.report, entry.seq, entry.appended_at);
          if (since) checkFailingSince(checked, since, fail);
        } else replay.markIncomplete();
      } else if (entry.kind === "disposal") {
        const problem = checkDisposal(entry, disposals);
        if (problem) fail("disposal", problem);
      } else if (isRecordKind(entry.kind)) {
        referenced.add(entry.ref);
        const record = checkRecord(entry, records, fail);
        if (record) {
          result.recordsChecked += 1;
          if (record.kind === "resource-rebound") replay.applyRebind(record, entry.seq);
          foldException(exceptions, record, entry.seq);
        }
      } else fail("chain", `unknown entry kind ${entry.kind}`);
      result.entries += 1;
      tree.add(entry.seq, entry.entry_hash);
      // Later links are checked against what is stored, so one broken entry does not hide the next.
      prev = entry.entry_hash;
      expectedSeq = entry.seq + 1;
      lastSeq = entry.seq;
    }
    await tree.flush(db);
  }
  await tree.finish(db);

  const head = await db.selectFrom("ledger_head").selectAll().where("id", "=", 1).executeTakeFirst();
  if (!head || Number(head.seq) !== lastSeq || head.entry_hash !== prev) {
    problems.add("head", {
      seq: lastSeq,
      ref: "ledger_head",
      kind: "head",
      problem: `the chain ends at entry ${lastSeq} but the recorded head is entry ${head ? Number(head.seq) : "missing"}`,
    });
  }
  const orphans = await db
    .selectFrom("reports")
    .leftJoin("ledger", "ledger.seq", "reports.ledger_seq")
    .select(["reports.id", "reports.ledger_seq"])
    .where("ledger.seq", "is", null)
    .execute();
  for (const orphan of orphans) {
    problems.add("report", {
      seq: Number(orphan.ledger_seq),
      ref: orphan.id,
      kind: "report",
      problem: "a stored report has no ledger entry",
    });
  }
  await checkStrayFindings(db, problems);
  for (const problem of await dailyResultsDifferences(db))
    problems.add("daily_results", { seq: 0, ref: "daily_results", kind: "daily_results", problem });
  for (const record of records.values()) {
    if (referenced.has(record.id)) continue;
    problems.add("record", {
      seq: Number(record.ledger_seq),
      ref: record.id,
      kind: record.kind,
      problem: "an identity record has no ledger entry",
    });
  }
  await checkAgents(db, identities, problems);
  await checkExceptions(db, exceptions, problems);

  let derivedChecked = false;
  let derivedNote: string | undefined;
  if (replay.incomplete) {
    derivedNote =
      result.disposedReports > 0
        ? `${result.disposedReports} reports were disposed of, so current state, drift events, assets, owners and the findings' failing_since cannot be recomputed`
        : "some reports could not be read, so current state, drift events, assets, owners and the findings' failing_since were not recomputed";
  } else {
    await replay.compare(await loadDerived(db), (category, entry) => problems.add(category, entry));
    derivedChecked = true;
  }

  return {
    ok: problems.total === 0,
    ...result,
    treeNodesChecked: tree.nodesChecked,
    checkpointsChecked: tree.checkpointsChecked,
    derivedChecked,
    ...(derivedNote ? { derivedNote } : {}),
    problems: problems.total,
    counts: problems.counts,
    broken: problems.list,
  };
}

/** Folds the identity records in ledger order into what each agent should look like now. */
function foldIdentities(records: ReadonlyMap<string, LedgerRecordsTable>): Map<string, AgentIdentity> {
  const agents = new Map<string, AgentIdentity>();
  const ordered = [...records.values()].sort((a, b) => Number(a.ledger_seq) - Number(b.ledger_seq));
  for (const row of ordered) {
    let record: IdentityRecord;
    try {
      record = JSON.parse(row.body) as IdentityRecord;
    } catch {
      continue;
    }
    if (record.kind === "agent-enrolled") {
      agents.set(record.agentId, {
        hostname: record.hostname,
        platform: record.platform,
        group: record.group,
        publicKeyPem: record.publicKeyPem,
        tokenHash: record.tokenHash,
        enrolledAt: record.at,
        revokedAt: null,
        scopes: [],
      });
    } else if (record.kind === "agent-revoked") {
      const agent = agents.get(record.agentId);
      if (agent) agent.revokedAt = record.at;
    } else if (record.kind === "agent-scopes") {
      const agent = agents.get(record.agentId);
      if (agent) agent.scopes = [...record.scopes];
    }
  }
  return agents;
}

function checkRecord(
  entry: LedgerTable,
  records: ReadonlyMap<string, LedgerRecordsTable>,
  fail: (category: string, problem: string) => void,
): IdentityRecord | undefined {
  const row = records.get(entry.ref);
  if (!row) {
    fail("record", "the identity record this entry stands for is missing");
    return undefined;
  }
  if (row.kind !== entry.kind) fail("record", `the record's kind is ${row.kind}, not ${entry.kind}`);
  if (Number(row.ledger_seq) !== entry.seq)
    fail("record", `the record points at ledger entry ${row.ledger_seq}`);
  if (sha256Hex(row.body) !== entry.content_hash) {
    fail("record", "the identity record does not match the hash in its ledger entry");
    return undefined;
  }
  let parsed: { id: string } & IdentityRecord;
  try {
    parsed = JSON.parse(row.body) as { id: string } & IdentityRecord;
  } catch {
    fail("record", "the identity record is not JSON");
    return undefined;
  }
  const { id, ...record } = parsed;
  if (id !== row.id || recordBody(id, record as IdentityRecord) !== row.body) {
    fail("record", "the identity record is not in canonical form or names another id");
    return undefined;
  }
  return record as IdentityRecord;
}

const EXCEPTION_COLUMNS = [
  "rule_id",
  "resource",
  "owner",
  "reason",
  "expires",
  "requested_by",
  "requested_at",
  "approved_by",
  "approved_at",
  "revoked_by",
  "revoked_at",
  "ledger_seq",
] as const;

/** The store's exceptions table against the fold of its ledger records: an approval nobody made is named. */
async function checkExceptions(
  db: Kysely<Database>,
  folded: ReadonlyMap<string, StoreExceptionsTable>,
  problems: Problems,
): Promise<void> {
  const rows = await db.selectFrom("store_exceptions").selectAll().execute();
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.id);
    const expected = folded.get(row.id);
    const where = { seq: Number(row.ledger_seq), ref: row.id, kind: "store_exceptions" };
    if (!expected) {
      problems.add("exceptions", { ...where, problem: "an exception with no ledger record" });
      continue;
    }
    for (const column of EXCEPTION_COLUMNS) {
      const a = column === "ledger_seq" ? Number(row[column]) : row[column];
      if (a !== expected[column]) {
        problems.add("exceptions", {
          ...where,
          problem: `${column} is ${JSON.stringify(a)} but its ledger records say ${JSON.stringify(expected[column])}`,
        });
      }
    }
  }
  for (const [id, e] of folded) {
    if (!seen.has(id)) {
      problems.add("exceptions", {
        seq: e.ledger_seq,
        ref: id,
        kind: "store_exceptions",
        problem: "a recorded exception is missing from the table",
      });
    }
  }
}

/** The agents table against the identity entries: key, token hash, enrolment, revocation, scopes. */
async function checkAgents(
  db: Kysely<Database>,
  identities: ReadonlyMap<string, AgentIdentity>,
  problems: Problems,
): Promise<void> {
  const rows = await db.selectFrom("agents").selectAll().orderBy("id").execute();
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.id);
    const add = (problem: string) => problems.add("agents", { seq: 0, ref: row.id, kind: "agents", problem });
    const expected = identities.get(row.id);
    if (!expected) {
      add(`agent ${row.id} has no enrolment entry in the ledger`);
      continue;
    }
    const differing: string[] = [];
    if (row.public_key_pem !== expected.publicKeyPem) differing.push("public_key_pem");
    if (row.token_hash !== expected.tokenHash) differing.push("token_hash");
    if (row.hostname !== expected.hostname) differing.push("hostname");
    if (row.platform !== expected.platform) differing.push("platform");
    if (row.group_name !== expected.group) differing.push("group_name");
    if (row.enrolled_at !== expected.enrolledAt) differing.push("enrolled_at");
    if (row.revoked_at !== expected.revokedAt) differing.push("revoked_at");
    if (canonicalJson(parseJsonArray(row.scopes)) !== canonicalJson(expected.scopes))
      differing.push("scopes");
    if (differing.length > 0)
      add(`agent ${row.id} differs from its ledger entries in ${differing.join(", ")}`);
  }
  for (const id of identities.keys()) {
    if (!seen.has(id)) {
      problems.add("agents", {
        seq: 0,
        ref: id,
        kind: "agents",
        problem: `enrolled agent ${id} is missing from the agents table`,
      });
    }
  }
}

function parseJsonArray(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function checkReport(
  db: Kysely<Database>,
  entry: LedgerTable,
  identities: ReadonlyMap<string, AgentIdentity>,
  disposals: Map<string, DisposalsTable>,
  result: { reportsChecked: number; signaturesChecked: number; disposedReports: number },
  fail: (category: string, problem: string) => void,
): Promise<CheckedReport | "disposed" | undefined> {
  const row = await db.selectFrom("reports").selectAll().where("id", "=", entry.ref).executeTakeFirst();
  if (!row) {
    fail("report", "the report this entry stands for is missing");
    return undefined;
  }
  if (Number(row.ledger_seq) !== entry.seq)
    fail("report", `the report row points at ledger entry ${row.ledger_seq}`);
  if (row.body === null) {
    const disposal = row.disposal_id ? disposals.get(row.disposal_id) : undefined;
    if (!disposal) {
      fail("report", "the report body is missing and no recorded disposal covers it");
      return undefined;
    }
    if (entry.seq < Number(disposal.from_seq) || entry.seq > Number(disposal.to_seq)) {
      fail(
        "report",
        `the report was disposed of by ${disposal.id}, whose range ${disposal.from_seq}-${disposal.to_seq} does not include it`,
      );
      return undefined;
    }
    result.disposedReports += 1;
    return "disposed";
  }
  if (sha256Hex(row.body) !== entry.content_hash) {
    fail("report", "the stored report does not match the hash in its ledger entry");
    return undefined;
  }
  let report: ScanReport;
  try {
    report = JSON.parse(row.body) as ScanReport;
  } catch {
    fail("report", "the stored report is not JSON");
    return undefined;
  }
  if (canonicalJson(report) !== row.body) fail("report", "the stored report is not in canonical form");
  result.reportsChecked += 1;

  const identity = identities.get(row.agent_id);
  if (!identity) fail("report", `agent ${row.agent_id} who signed the report has no enrolment entry`);
  if (report.agent?.id !== row.agent_id)
    fail("report", "the report's agent does not match the agent that submitted it");
  if (identity) {
    if (verifyReportSignature(report, identity.publicKeyPem)) result.signaturesChecked += 1;
    else fail("report", "the report signature does not verify against the key its agent enrolled with");
  }
  const rowDiff: string[] = [];
  if (row.started_at !== report.startedAt) rowDiff.push("started_at");
  if (row.finished_at !== report.finishedAt) rowDiff.push("finished_at");
  if (rowDiff.length > 0)
    fail("report", `the report row differs from the signed report in ${rowDiff.join(", ")}`);

  const stored = await db
    .selectFrom("findings")
    .selectAll()
    .where("report_id", "=", row.id)
    .orderBy("id")
    .execute();
  if (stored.length !== report.findings.length) {
    fail(
      "findings",
      `the report has ${report.findings.length} findings but ${stored.length} are stored for export`,
    );
  }
  for (let i = 0; i < Math.min(stored.length, report.findings.length); i++) {
    const s = stored[i]!;
    const f = report.findings[i]!;
    const differing: string[] = [];
    const check = (name: string, same: boolean) => {
      if (!same) differing.push(name);
    };
    check("rule_id", s.rule_id === f.ruleId);
    check("resource_uid", s.resource_uid === f.resourceUid);
    check("resource_type", s.resource_type === f.resourceType);
    check("status", s.status === f.status);
    check("severity", s.severity === f.severity);
    check("policy", s.policy === f.policy);
    check("message", s.message === f.message);
    check("observed_at", s.observed_at === report.finishedAt);
    check("agent_id", s.agent_id === row.agent_id);
    check("ledger_seq", Number(s.ledger_seq) === entry.seq);
    check("controls", canonicalJson(decodeControls(s.controls)) === canonicalJson(f.controls));
    check("evidence", sameJson(s.evidence, f.evidence));
    check("exception", f.exception === undefined ? s.exception === null : sameJson(s.exception, f.exception));
    if (differing.length > 0) {
      fail(
        "findings",
        `stored finding ${i + 1} (${f.ruleId} on ${f.resourceUid}) differs from the signed report in ${differing.join(", ")}`,
      );
    }
  }
  return { report, stored };
}

interface CheckedReport {
  report: ScanReport;
  /** Its findings rows, in id order (the order ingest wrote them: the report's order). */
  stored: Selectable<FindingsTable>[];
}

/**
 * Each findings row's failing_since against the replay's (derived state, so only while the replay is whole):
 * an edited value, or one on a row that does not fail, is named with the row.
 */
function checkFailingSince(
  { report, stored }: CheckedReport,
  expected: readonly (string | null)[],
  fail: (category: string, problem: string) => void,
): void {
  for (let i = 0; i < Math.min(stored.length, report.findings.length); i++) {
    const s = stored[i]!;
    const want = expected[i] ?? null;
    if (s.failing_since === want) continue;
    const f = report.findings[i]!;
    fail(
      "findings",
      `findings row ${s.id} (finding ${i + 1}, ${f.ruleId} on ${f.resourceUid}) has failing_since ${JSON.stringify(s.failing_since)} but replaying the ledger gives ${JSON.stringify(want)}`,
    );
  }
}

function sameJson(stored: string | null, expected: unknown): boolean {
  if (stored === null) return false;
  try {
    return canonicalJson(JSON.parse(stored)) === canonicalJson(expected);
  } catch {
    return false;
  }
}

/** Findings rows that no stored report accounts for (forged rows, or rows of a disposed report). */
async function checkStrayFindings(db: Kysely<Database>, problems: Problems): Promise<void> {
  const stray = await db
    .selectFrom("findings")
    .leftJoin("reports", "reports.id", "findings.report_id")
    .select(["findings.id", "findings.report_id", "findings.ledger_seq", "reports.id as stored_report"])
    .where((eb) => eb.or([eb("reports.id", "is", null), eb("reports.body", "is", null)]))
    .execute();
  for (const row of stray) {
    problems.add("findings", {
      seq: Number(row.ledger_seq),
      ref: `finding ${row.id}`,
      kind: "findings",
      problem: `findings row ${row.id} names report ${row.report_id}, which ${row.stored_report === null ? "is not stored" : "was disposed of"}`,
    });
  }
}

function checkDisposal(entry: LedgerTable, disposals: Map<string, DisposalsTable>): string | undefined {
  const disposal = disposals.get(entry.ref);
  if (!disposal) return "the disposal record this entry stands for is missing";
  if (sha256Hex(canonicalJson(disposalRecord(disposal))) !== entry.content_hash) {
    return "the disposal record does not match the hash in its ledger entry";
  }
  return undefined;
}

async function loadDerived(db: Kysely<Database>): Promise<DerivedTables> {
  return {
    state: await db.selectFrom("current_state").selectAll().execute(),
    events: await db.selectFrom("drift_events").selectAll().orderBy("id").execute(),
    assets: await db.selectFrom("assets").selectAll().execute(),
    owners: await db.selectFrom("resource_owners").selectAll().execute(),
  };
}
