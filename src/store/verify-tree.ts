import type { Kysely } from "kysely";
import { equalHashes, MerkleAppender, type StoredNode } from "../core/merkle.js";
import { openCheckpoint, type StoredCheckpoint } from "./checkpoints.js";
import type { Database } from "./db/schema.js";
import { entryLeaf } from "./tree.js";

export type TreeProblem = (
  category: "tree" | "checkpoint",
  seq: number,
  ref: string,
  problem: string,
) => void;

/**
 * The Merkle tree's part of `verify`: the tree is recomputed from the ledger's entry hashes as the chain is
 * walked, and every stored node is compared with it (page by page, one query per page), then rows the
 * ledger does not account for are counted. Each stored checkpoint is checked when the walk reaches its
 * size: its note's signature by the key it names, that key listed among the store's keys, and its size and
 * root against the recomputed tree.
 */
export class TreeCheck {
  private readonly tree = MerkleAppender.empty();
  private pending: StoredNode[] = [];
  private next = 0;
  nodesChecked = 0;
  checkpointsChecked = 0;

  private constructor(
    private readonly checkpoints: StoredCheckpoint[],
    private readonly keys: ReadonlySet<string>,
    private readonly fail: TreeProblem,
    private readonly present: boolean,
  ) {}

  static async load(db: Kysely<Database>, fail: TreeProblem): Promise<TreeCheck> {
    let rows: Database["checkpoints"][];
    try {
      rows = await db.selectFrom("checkpoints").selectAll().orderBy("size").execute();
    } catch {
      // `verify` does not migrate: a store last run before migration 0005 has no tree yet.
      fail("tree", 0, "merkle_nodes", "the store has no Merkle tree yet: start the store once to build it");
      return new TreeCheck([], new Set(), fail, false);
    }
    const checkpoints = rows.map((r) => ({
      size: Number(r.size),
      rootHash: r.root_hash,
      vkey: r.vkey,
      note: r.note,
      issuedAt: r.issued_at,
    }));
    const keys = new Set((await db.selectFrom("store_keys").select("vkey").execute()).map((k) => k.vkey));
    return new TreeCheck(checkpoints, keys, fail, true);
  }

  /** The next ledger entry as stored, in sequence order. */
  add(seq: number, entryHashHex: string): void {
    if (!this.present) return;
    if (!/^[0-9a-f]{64}$/u.test(entryHashHex)) {
      this.fail(
        "tree",
        seq,
        `leaf ${seq - 1}`,
        "the entry hash is not 64 hex digits, so it cannot be a leaf",
      );
      this.pending.push(...this.tree.append(new Uint8Array(32)));
    } else {
      this.pending.push(...this.tree.append(entryLeaf(entryHashHex)));
    }
    while (this.next < this.checkpoints.length && this.checkpoints[this.next]!.size <= this.tree.size) {
      const checkpoint = this.checkpoints[this.next++]!;
      if (checkpoint.size === this.tree.size) this.checkCheckpoint(checkpoint, this.tree.root());
      else this.checkCheckpoint(checkpoint, undefined);
    }
  }

  /** Compares the nodes made since the last flush with the stored ones. */
  async flush(db: Kysely<Database>): Promise<void> {
    if (!this.present || this.pending.length === 0) return;
    const ranges = new Map<number, { lo: number; hi: number }>();
    for (const n of this.pending) {
      const r = ranges.get(n.level);
      if (!r) ranges.set(n.level, { lo: n.index, hi: n.index });
      else {
        r.lo = Math.min(r.lo, n.index);
        r.hi = Math.max(r.hi, n.index);
      }
    }
    const rows = await db
      .selectFrom("merkle_nodes")
      .select(["level", "idx", "hash"])
      .where((eb) =>
        eb.or(
          [...ranges].map(([level, r]) =>
            eb.and([eb("level", "=", level), eb("idx", ">=", r.lo), eb("idx", "<=", r.hi)]),
          ),
        ),
      )
      .execute();
    const stored = new Map(rows.map((r) => [`${r.level}:${Number(r.idx)}`, new Uint8Array(r.hash)]));
    for (const n of this.pending) {
      const hash = stored.get(`${n.level}:${n.index}`);
      const lastLeaf = (n.index + 1) * 2 ** n.level;
      const ref = `merkle_nodes ${n.level}/${n.index}`;
      if (!hash) this.fail("tree", lastLeaf, ref, "a Merkle node of the ledger's tree is missing");
      else if (!equalHashes(hash, n.hash))
        this.fail(
          "tree",
          lastLeaf,
          ref,
          "a stored Merkle node does not match the tree of the ledger's entries",
        );
      this.nodesChecked += 1;
    }
    this.pending = [];
  }

  /** After the walk: stored nodes outside the ledger's tree, and checkpoints beyond its size. */
  async finish(db: Kysely<Database>): Promise<void> {
    if (!this.present) return;
    await this.flush(db);
    const size = this.tree.size;
    const outside = await db
      .selectFrom("merkle_nodes")
      .select(["level", "idx"])
      .where((eb) => {
        const beyond = [];
        for (let level = 0; 2 ** level <= Math.max(size, 1); level++) {
          beyond.push(eb.and([eb("level", "=", level), eb("idx", ">=", Math.floor(size / 2 ** level))]));
        }
        beyond.push(eb("level", ">=", beyond.length));
        beyond.push(eb("level", "<", 0));
        return eb.or(beyond);
      })
      .limit(100)
      .execute();
    for (const row of outside) {
      this.fail(
        "tree",
        size,
        `merkle_nodes ${row.level}/${Number(row.idx)}`,
        `a stored Merkle node lies outside the tree of the ledger's ${size} entries`,
      );
    }
    while (this.next < this.checkpoints.length)
      this.checkCheckpoint(this.checkpoints[this.next++]!, undefined);
  }

  private checkCheckpoint(checkpoint: StoredCheckpoint, root: Uint8Array | undefined): void {
    this.checkpointsChecked += 1;
    const ref = `checkpoint ${checkpoint.size}`;
    const problem = (text: string) => this.fail("checkpoint", checkpoint.size, ref, text);
    if (!root) {
      problem(
        `the checkpoint is of tree size ${checkpoint.size}, beyond the ledger's ${this.tree.size} entries`,
      );
      return;
    }
    if (!this.keys.has(checkpoint.vkey))
      problem("the checkpoint names a key that is not among the store's keys");
    const opened = openCheckpoint(checkpoint.note, [checkpoint.vkey]);
    if ("error" in opened) {
      problem(`the checkpoint's signature does not verify: ${opened.error}`);
      return;
    }
    if (opened.checkpoint.size !== checkpoint.size) problem("the signed note is of another tree size");
    if (!equalHashes(opened.checkpoint.rootHash, root))
      problem("the signed root hash is not the root of the ledger's entries at that size");
    if (Buffer.from(root).toString("hex") !== checkpoint.rootHash)
      problem("the recorded root hash is not the root of the ledger's entries at that size");
  }
}
