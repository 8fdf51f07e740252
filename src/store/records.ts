import type { Transaction } from "kysely";
import { ulid } from "ulid";
import { canonicalJson, sha256Hex } from "../core/canonical.js";
import type { Dialect } from "./db/connect.js";
import type { Database } from "./db/schema.js";
import { LedgerAppender } from "./ledger.js";

/**
 * Identity and ownership changes, each its own ledger entry, so that `verify` can recompute who an agent
 * is (its key, its token hash, whether it is revoked, which cloud scopes it may report on) and who owns
 * each resource, and name any table row that disagrees.
 */
export type IdentityRecord =
  | {
      kind: "agent-enrolled";
      agentId: string;
      hostname: string;
      platform: string;
      group: string;
      publicKeyPem: string;
      /** SHA-256 of the agent's token secret (the secret itself is never stored). */
      tokenHash: string;
      at: string;
      /** Written by the migration that introduced these records, for an agent enrolled before it. */
      backfilled?: boolean;
    }
  | { kind: "agent-revoked"; agentId: string; at: string; by: string }
  | { kind: "agent-scopes"; agentId: string; scopes: string[]; at: string; by: string }
  | {
      kind: "resource-rebound";
      uid: string;
      fromAgentId: string | null;
      toAgentId: string;
      reason: string;
      at: string;
      by: string;
    }
  | {
      kind: "exception-requested";
      exceptionId: string;
      ruleId: string;
      /** A resource uid or name glob (`*` wildcard); absent = every resource of the rule. */
      resource?: string;
      owner: string;
      reason: string;
      /** Inclusive UTC date (YYYY-MM-DD). */
      expires: string;
      at: string;
      by: string;
    }
  | { kind: "exception-approved"; exceptionId: string; at: string; by: string }
  | { kind: "exception-revoked"; exceptionId: string; at: string; by: string };

export type RecordKind = IdentityRecord["kind"];
export const RECORD_KINDS: readonly RecordKind[] = [
  "agent-enrolled",
  "agent-revoked",
  "agent-scopes",
  "resource-rebound",
  "exception-requested",
  "exception-approved",
  "exception-revoked",
];

export function isRecordKind(kind: string): kind is RecordKind {
  return (RECORD_KINDS as readonly string[]).includes(kind);
}

/** The canonical JSON a record's ledger entry hashes: the record with its id. */
export function recordBody(id: string, record: IdentityRecord): string {
  return canonicalJson({ id, ...record });
}

/** Appends records to the ledger inside the caller's transaction; returns their sequence numbers. */
export async function appendRecords(
  trx: Transaction<Database>,
  dialect: Dialect,
  records: IdentityRecord[],
  options: { tree?: boolean } = {},
): Promise<number[]> {
  const appender = await LedgerAppender.lock(trx, dialect, options);
  const seqs: number[] = [];
  const rows: Database["ledger_records"][] = [];
  for (const record of records) {
    const id = ulid();
    const body = recordBody(id, record);
    const entry = appender.next({
      kind: record.kind,
      ref: id,
      contentHash: sha256Hex(body),
      appendedAt: record.at,
    });
    rows.push({ id, kind: record.kind, ledger_seq: entry.seq, body });
    seqs.push(entry.seq);
  }
  for (let i = 0; i < rows.length; i += 200) {
    await trx
      .insertInto("ledger_records")
      .values(rows.slice(i, i + 200))
      .execute();
  }
  await appender.flush();
  return seqs;
}
