import type { Kysely } from "kysely";
import { canonicalJson, sha256Hex } from "../core/canonical.js";
import type { ScanReport } from "../core/report.js";
import { verifyReportSignature } from "../core/signing.js";
import type { Database, DisposalsTable, LedgerTable } from "./db/schema.js";
import { decodeControls } from "./drift.js";
import { entryHash, GENESIS_HASH } from "./ledger.js";
import { disposalRecord } from "./retention.js";

export interface BrokenEntry {
  seq: number;
  ref: string;
  kind: string;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  reportsChecked: number;
  signaturesChecked: number;
  disposedReports: number;
  /** The first entry that does not check out, in chain order. */
  broken?: BrokenEntry;
}

const PAGE = 500;

/**
 * Re-checks the whole evidence ledger: each entry's hash and its link to the previous one, each report's
 * stored body against the hash in its entry, each report's signature against its agent's registered key,
 * the findings rows served to auditors against the report body, and that every disposed report is covered
 * by a recorded disposal. Stops at the first broken entry and names it.
 */
export async function verifyLedger(db: Kysely<Database>): Promise<VerifyResult> {
  const result: VerifyResult = {
    ok: true,
    entries: 0,
    reportsChecked: 0,
    signaturesChecked: 0,
    disposedReports: 0,
  };
  const keys = new Map<string, string | null>();
  const disposals = new Map<string, DisposalsTable>();
  for (const d of await db.selectFrom("disposals").selectAll().execute()) disposals.set(d.id, d);

  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (;;) {
    const page = await db
      .selectFrom("ledger")
      .selectAll()
      .where("seq", ">=", expectedSeq)
      .orderBy("seq")
      .limit(PAGE)
      .execute();
    if (page.length === 0) break;
    for (const raw of page) {
      const entry: LedgerTable = { ...raw, seq: Number(raw.seq) };
      const fail = (problem: string): VerifyResult => ({
        ...result,
        ok: false,
        broken: { seq: entry.seq, ref: entry.ref, kind: entry.kind, problem },
      });
      if (entry.seq !== expectedSeq)
        return fail(`sequence gap: expected entry ${expectedSeq}, found ${entry.seq}`);
      if (entry.prev_hash !== prev) return fail("previous-hash link does not match the entry before it");
      if (entryHash(entry) !== entry.entry_hash)
        return fail("entry hash does not match the entry's contents");
      const problem =
        entry.kind === "report"
          ? await checkReport(db, entry, keys, disposals, result)
          : entry.kind === "disposal"
            ? checkDisposal(entry, disposals)
            : `unknown entry kind ${entry.kind}`;
      if (problem) return fail(problem);
      result.entries += 1;
      prev = entry.entry_hash;
      expectedSeq += 1;
    }
  }

  const head = await db.selectFrom("ledger_head").selectAll().where("id", "=", 1).executeTakeFirst();
  if (!head || Number(head.seq) !== expectedSeq - 1 || head.entry_hash !== prev) {
    return {
      ...result,
      ok: false,
      broken: {
        seq: expectedSeq - 1,
        ref: "ledger_head",
        kind: "head",
        problem: `the chain ends at entry ${expectedSeq - 1} but the recorded head is entry ${head ? Number(head.seq) : "missing"}`,
      },
    };
  }
  const orphan = await db
    .selectFrom("reports")
    .leftJoin("ledger", "ledger.seq", "reports.ledger_seq")
    .select(["reports.id", "reports.ledger_seq"])
    .where("ledger.seq", "is", null)
    .limit(1)
    .executeTakeFirst();
  if (orphan) {
    return {
      ...result,
      ok: false,
      broken: {
        seq: Number(orphan.ledger_seq),
        ref: orphan.id,
        kind: "report",
        problem: "a stored report has no ledger entry",
      },
    };
  }
  return result;
}

async function checkReport(
  db: Kysely<Database>,
  entry: LedgerTable,
  keys: Map<string, string | null>,
  disposals: Map<string, DisposalsTable>,
  result: VerifyResult,
): Promise<string | undefined> {
  const row = await db.selectFrom("reports").selectAll().where("id", "=", entry.ref).executeTakeFirst();
  if (!row) return "the report this entry stands for is missing";
  if (Number(row.ledger_seq) !== entry.seq) return `the report row points at ledger entry ${row.ledger_seq}`;
  if (row.body === null) {
    const disposal = row.disposal_id ? disposals.get(row.disposal_id) : undefined;
    if (!disposal) return "the report body is missing and no recorded disposal covers it";
    if (entry.seq < Number(disposal.from_seq) || entry.seq > Number(disposal.to_seq)) {
      return `the report was disposed of by ${disposal.id}, whose range ${disposal.from_seq}-${disposal.to_seq} does not include it`;
    }
    result.disposedReports += 1;
    return undefined;
  }
  if (sha256Hex(row.body) !== entry.content_hash)
    return "the stored report does not match the hash in its ledger entry";
  let report: ScanReport;
  try {
    report = JSON.parse(row.body) as ScanReport;
  } catch {
    return "the stored report is not JSON";
  }
  if (canonicalJson(report) !== row.body) return "the stored report is not in canonical form";
  result.reportsChecked += 1;

  let pem = keys.get(row.agent_id);
  if (pem === undefined) {
    const agent = await db
      .selectFrom("agents")
      .select("public_key_pem")
      .where("id", "=", row.agent_id)
      .executeTakeFirst();
    pem = agent?.public_key_pem ?? null;
    keys.set(row.agent_id, pem);
  }
  if (!pem) return `agent ${row.agent_id} who signed the report is not registered`;
  if (report.agent?.id !== row.agent_id)
    return "the report's agent does not match the agent that submitted it";
  if (!verifyReportSignature(report, pem))
    return "the report signature does not verify against its agent's key";
  result.signaturesChecked += 1;

  const stored = await db
    .selectFrom("findings")
    .select([
      "rule_id",
      "resource_uid",
      "status",
      "severity",
      "policy",
      "controls",
      "message",
      "evidence",
      "ledger_seq",
    ])
    .where("report_id", "=", row.id)
    .orderBy("id")
    .execute();
  if (stored.length !== report.findings.length) {
    return `the report has ${report.findings.length} findings but ${stored.length} are stored for export`;
  }
  for (let i = 0; i < stored.length; i++) {
    const s = stored[i]!;
    const f = report.findings[i]!;
    if (
      s.rule_id !== f.ruleId ||
      s.resource_uid !== f.resourceUid ||
      s.status !== f.status ||
      s.severity !== f.severity ||
      s.policy !== f.policy ||
      s.message !== f.message ||
      Number(s.ledger_seq) !== entry.seq ||
      canonicalJson(decodeControls(s.controls)) !== canonicalJson(f.controls) ||
      canonicalJson(JSON.parse(s.evidence)) !== canonicalJson(f.evidence)
    ) {
      return `stored finding ${i + 1} (${s.rule_id} on ${s.resource_uid}) differs from the signed report`;
    }
  }
  return undefined;
}

function checkDisposal(entry: LedgerTable, disposals: Map<string, DisposalsTable>): string | undefined {
  const disposal = disposals.get(entry.ref);
  if (!disposal) return "the disposal record this entry stands for is missing";
  if (sha256Hex(canonicalJson(disposalRecord(disposal))) !== entry.content_hash) {
    return "the disposal record does not match the hash in its ledger entry";
  }
  return undefined;
}
