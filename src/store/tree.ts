import type { Kysely, Transaction } from "kysely";
import { AssayError } from "../core/errors.js";
import {
  consistencyProof as buildConsistencyProof,
  inclusionProof as buildInclusionProof,
  type Hash,
  leafHash,
  MerkleAppender,
  type NodeId,
  type NodeLookup,
  nodeKey,
  nodesForConsistency,
  nodesForInclusion,
  nodesForRoot,
  rootHash,
  type StoredNode,
} from "../core/merkle.js";
import type { Dialect } from "./db/connect.js";
import { insertRows } from "./db/raw-insert.js";
import type { Database } from "./db/schema.js";

/**
 * The store side of the Merkle tree over the ledger (`core/merkle.ts` does the hashing). Leaf i is the
 * RFC 6962 leaf hash of the 32 raw bytes of entry i+1's `entry_hash`; `merkle_nodes` holds every complete
 * subtree root, written by the ledger append in its own transaction (`LedgerAppender`), so the tree always
 * has exactly as many leaves as the ledger has entries. Reads take the nodes a root or proof needs in one
 * query. Tree size = ledger head `seq`.
 */

/** A tree size or leaf outside the tree: the caller's mistake (HTTP 400). */
export class TreeRangeError extends AssayError {
  constructor(message: string, field?: string) {
    super("STORE_TREE_RANGE", message, field === undefined ? {} : { details: { field } });
  }
}

/** The leaf hash of a ledger entry (its hex `entry_hash`). */
export function entryLeaf(entryHashHex: string): Hash {
  return leafHash(Buffer.from(entryHashHex, "hex"));
}

/** The current tree size: the number of ledger entries. */
export async function treeSize(db: Kysely<Database>): Promise<number> {
  const head = await db.selectFrom("ledger_head").select("seq").where("id", "=", 1).executeTakeFirstOrThrow();
  return Number(head.seq);
}

/** Reads the listed stored nodes in one query; the lookup throws for a node that is not stored. */
export async function readNodes(db: Kysely<Database>, ids: readonly NodeId[]): Promise<NodeLookup> {
  const found = new Map<string, Hash>();
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    const rows = await db
      .selectFrom("merkle_nodes")
      .select(["level", "idx", "hash"])
      .where((eb) => eb.or(chunk.map((id) => eb.and([eb("level", "=", id.level), eb("idx", "=", id.index)]))))
      .execute();
    for (const r of rows) found.set(nodeKey(Number(r.level), Number(r.idx)), new Uint8Array(r.hash));
  }
  return (level, index) => {
    const hash = found.get(nodeKey(level, index));
    if (!hash) throw new AssayError("STORE_TREE_NODE_MISSING", `Merkle node ${level}/${index} is not stored`);
    return hash;
  };
}

/** Rebuilds the appender's right edge for a tree of `size` leaves (≤ log n stored nodes, one query). */
export async function loadAppender(db: Kysely<Database>, size: number): Promise<MerkleAppender> {
  if (size === 0) return MerkleAppender.empty();
  const get = await readNodes(db, MerkleAppender.frontierNodes(size));
  return MerkleAppender.fromFrontier(size, get);
}

/**
 * Inserts nodes made by an appender (inside the caller's transaction), through the ingest path's prepared
 * multi-row insert: two rows per entry on average, so Kysely's per-query compile would cost more than the hashing.
 */
export async function writeNodes(
  db: Kysely<Database>,
  dialect: Dialect,
  nodes: readonly StoredNode[],
): Promise<void> {
  if (nodes.length === 0) return;
  const rows = nodes.map((n) => [n.level, n.index, n.hash]);
  await insertRows(db as Transaction<Database>, dialect, "merkle_nodes", NODE_COLUMNS, rows, 500);
}

const NODE_COLUMNS = ["level", "idx", "hash"] as const;

export async function rootAt(db: Kysely<Database>, size: number): Promise<Hash> {
  await checkSize(db, size, "size");
  return rootHash(await readNodes(db, nodesForRoot(size)), size);
}

export interface InclusionProofResult {
  /** The ledger entry (leaf index + 1). */
  seq: number;
  leafIndex: number;
  treeSize: number;
  /** Hex, as in the ledger. */
  entryHash: string;
  /** Base64 of the RFC 6962 leaf hash, and of the root at `treeSize`. */
  leafHash: string;
  rootHash: string;
  /** Base64 hashes, RFC 9162 2.1.3.1 order. */
  proof: string[];
}

/** The audit path of ledger entry `seq` in the tree of `size` leaves (RFC 9162 2.1.3). */
export async function inclusionProof(
  db: Kysely<Database>,
  seq: number,
  size: number,
): Promise<InclusionProofResult> {
  await checkSize(db, size, "size");
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > size) {
    throw new TreeRangeError(`entry ${seq} is not in the tree of ${size} entries`, "seq");
  }
  const entry = await db.selectFrom("ledger").select("entry_hash").where("seq", "=", seq).executeTakeFirst();
  if (!entry) throw new AssayError("STORE_NOT_FOUND", `No ledger entry ${seq}.`);
  const get = await readNodes(db, [
    { level: 0, index: seq - 1 },
    ...nodesForInclusion(seq - 1, size),
    ...nodesForRoot(size),
  ]);
  return {
    seq,
    leafIndex: seq - 1,
    treeSize: size,
    entryHash: entry.entry_hash,
    leafHash: b64(get(0, seq - 1)),
    rootHash: b64(rootHash(get, size)),
    proof: buildInclusionProof(get, seq - 1, size).map(b64),
  };
}

/** The ledger entry whose `entry_hash` is this hex, if any. */
export async function seqOfEntryHash(
  db: Kysely<Database>,
  entryHashHex: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom("ledger")
    .select("seq")
    .where("entry_hash", "=", entryHashHex.toLowerCase())
    .executeTakeFirst();
  return row ? Number(row.seq) : undefined;
}

export interface ConsistencyProofResult {
  from: number;
  to: number;
  /** Base64 roots at both sizes. */
  fromRoot: string;
  toRoot: string;
  /** Base64 hashes, RFC 9162 2.1.4.1 order. */
  proof: string[];
}

/** Proof that the tree of `to` leaves extends the tree of `from` leaves (RFC 9162 2.1.4). */
export async function consistencyProof(
  db: Kysely<Database>,
  from: number,
  to: number,
): Promise<ConsistencyProofResult> {
  await checkSize(db, to, "to");
  if (!Number.isSafeInteger(from) || from < 1 || from > to) {
    throw new TreeRangeError(`from must be between 1 and to (${to}); got ${from}`, "from");
  }
  const get = await readNodes(db, [
    ...nodesForConsistency(from, to),
    ...nodesForRoot(from),
    ...nodesForRoot(to),
  ]);
  return {
    from,
    to,
    fromRoot: b64(rootHash(get, from)),
    toRoot: b64(rootHash(get, to)),
    proof: buildConsistencyProof(get, from, to).map(b64),
  };
}

/**
 * Builds the tree for a ledger that predates it (migration 0005): one pass in sequence order, nodes
 * written as they complete. Runs once; every later entry adds its nodes as it is appended.
 */
export async function backfillTree(db: Kysely<Database>, dialect: Dialect): Promise<number> {
  const appender = MerkleAppender.empty();
  let last = 0;
  for (;;) {
    const page = await db
      .selectFrom("ledger")
      .select(["seq", "entry_hash"])
      .where("seq", ">", last)
      .orderBy("seq")
      .limit(2000)
      .execute();
    if (page.length === 0) break;
    const nodes: StoredNode[] = [];
    for (const row of page) nodes.push(...appender.append(entryLeaf(row.entry_hash)));
    await writeNodes(db, dialect, nodes);
    last = Number(page[page.length - 1]!.seq);
  }
  return appender.size;
}

async function checkSize(db: Kysely<Database>, size: number, field: string): Promise<void> {
  const current = await treeSize(db);
  if (!Number.isSafeInteger(size) || size < 1 || size > current) {
    throw new TreeRangeError(
      `${field} must be a tree size between 1 and the current size ${current}; got ${size}`,
      field,
    );
  }
}

function b64(hash: Hash): string {
  return Buffer.from(hash).toString("base64");
}
