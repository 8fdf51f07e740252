import type { Kysely, Transaction } from "kysely";
import { canonicalJson, sha256Hex } from "../core/canonical.js";
import type { MerkleAppender, StoredNode } from "../core/merkle.js";
import type { Dialect } from "./db/connect.js";
import type { Database, LedgerTable } from "./db/schema.js";
import { entryLeaf, loadAppender, writeNodes } from "./tree.js";

export const GENESIS_HASH = "0".repeat(64);

export type LedgerKind =
  | "report"
  | "disposal"
  | "agent-enrolled"
  | "agent-revoked"
  | "agent-scopes"
  | "resource-rebound"
  | "exception-requested"
  | "exception-approved"
  | "exception-revoked";

export interface LedgerEntryInput {
  kind: LedgerKind;
  ref: string;
  contentHash: string;
  appendedAt: string;
}

/** The hash that links an entry to the chain: every field of the entry, including the previous hash. */
export function entryHash(entry: Omit<LedgerTable, "entry_hash">): string {
  return sha256Hex(
    canonicalJson({
      seq: entry.seq,
      kind: entry.kind,
      ref: entry.ref,
      contentHash: entry.content_hash,
      prevHash: entry.prev_hash,
      appendedAt: entry.appended_at,
    }),
  );
}

/**
 * Holds the chain tip for the rest of a transaction. On PostgreSQL the head row is locked, so appends by
 * several store processes queue behind each other and never fork the chain; SQLite has a single writer.
 * It also holds the right edge of the Merkle tree (read once per transaction: at most log n nodes), so
 * each entry adds its leaf and the subtrees it completes (amortised two rows) in the same transaction.
 */
export class LedgerAppender {
  private constructor(
    private readonly trx: Transaction<Database>,
    private seq: number,
    private tip: string,
    private readonly tree: MerkleAppender | undefined,
    private readonly dialect: Dialect,
  ) {}

  /**
   * `tree: false` only for migration 0003, which appends entries before the tree's table exists
   * (migration 0005 then builds the tree over the whole ledger).
   */
  static async lock(
    trx: Transaction<Database>,
    dialect: Dialect,
    options: { tree?: boolean } = {},
  ): Promise<LedgerAppender> {
    let query = trx.selectFrom("ledger_head").select(["seq", "entry_hash"]).where("id", "=", 1);
    if (dialect === "postgres") query = query.forUpdate();
    const head = await query.executeTakeFirstOrThrow();
    const seq = Number(head.seq);
    const tree = options.tree === false ? undefined : await loadAppender(trx, seq);
    return new LedgerAppender(trx, seq, head.entry_hash, tree, dialect);
  }

  /** Assigns the next sequence number and entry hash; rows are written by flush(). */
  next(input: LedgerEntryInput): LedgerTable {
    this.seq += 1;
    const row = {
      seq: this.seq,
      kind: input.kind,
      ref: input.ref,
      content_hash: input.contentHash,
      prev_hash: this.tip,
      appended_at: input.appendedAt,
    };
    const full: LedgerTable = { ...row, entry_hash: entryHash(row) };
    this.tip = full.entry_hash;
    this.pending.push(full);
    if (this.tree) this.pendingNodes.push(...this.tree.append(entryLeaf(full.entry_hash)));
    return full;
  }

  private pending: LedgerTable[] = [];
  private pendingNodes: StoredNode[] = [];

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    for (let i = 0; i < this.pending.length; i += 500) {
      await this.trx
        .insertInto("ledger")
        .values(this.pending.slice(i, i + 500))
        .execute();
    }
    this.pending = [];
    await writeNodes(this.trx, this.dialect, this.pendingNodes);
    this.pendingNodes = [];
    await this.trx
      .updateTable("ledger_head")
      .set({ seq: this.seq, entry_hash: this.tip })
      .where("id", "=", 1)
      .execute();
  }
}

export async function ledgerHead(db: Kysely<Database>): Promise<{ seq: number; entryHash: string }> {
  const head = await db
    .selectFrom("ledger_head")
    .select(["seq", "entry_hash"])
    .where("id", "=", 1)
    .executeTakeFirstOrThrow();
  return { seq: Number(head.seq), entryHash: head.entry_hash };
}
