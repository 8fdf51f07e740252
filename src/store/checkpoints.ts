import type { Kysely } from "kysely";
import {
  type Checkpoint,
  formatCheckpoint,
  formatNoteVerifierKey,
  type NoteSignerKey,
  openNote,
  parseCheckpoint,
  parseNoteVerifierKey,
  signNote,
} from "../core/signed-note.js";
import type { Database } from "./db/schema.js";
import { rootAt, treeSize } from "./tree.js";

/**
 * Signed checkpoints of the ledger's Merkle tree: C2SP tlog-checkpoint bodies (origin, tree size, base64
 * root) in C2SP signed notes, signed with the store's Ed25519 key (`store-key.ts`). Every checkpoint is
 * kept (`checkpoints`), so one an auditor or witness holds can be served again and checked against the
 * live tree with a consistency proof.
 */

export interface StoredCheckpoint {
  size: number;
  /** Hex. */
  rootHash: string;
  /** The verifier key string of the key that signed it. */
  vkey: string;
  /** The signed note, exactly as served. */
  note: string;
  issuedAt: string;
}

/**
 * Signs the current tree unless the newest checkpoint of this key already covers it (then that one is
 * returned). Two processes issuing at once make the same note (Ed25519 is deterministic): the second
 * insert is a no-op.
 */
export async function issueCheckpoint(
  db: Kysely<Database>,
  signer: NoteSignerKey,
  origin: string,
  now: Date,
): Promise<{ checkpoint: StoredCheckpoint | undefined; issued: boolean }> {
  const size = await treeSize(db);
  if (size === 0) return { checkpoint: undefined, issued: false };
  const vkey = formatNoteVerifierKey(signer);
  const existing = await checkpointAt(db, size, vkey);
  if (existing) return { checkpoint: existing, issued: false };
  const root = await rootAt(db, size);
  const note = signNote(formatCheckpoint({ origin, size, rootHash: root }), signer);
  const row = {
    size,
    root_hash: Buffer.from(root).toString("hex"),
    vkey,
    note,
    issued_at: now.toISOString(),
    witnessed_at: null,
  };
  await db
    .insertInto("checkpoints")
    .values(row)
    .onConflict((oc) => oc.columns(["size", "vkey"]).doNothing())
    .execute();
  return { checkpoint: (await checkpointAt(db, size, vkey)) ?? toCheckpoint(row), issued: true };
}

/** The newest checkpoint (largest size; of that size, the latest issued). */
export async function latestCheckpoint(db: Kysely<Database>): Promise<StoredCheckpoint | undefined> {
  const row = await db
    .selectFrom("checkpoints")
    .selectAll()
    .orderBy("size", "desc")
    .orderBy("issued_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? toCheckpoint(row) : undefined;
}

/** The checkpoint issued at exactly `size` (by the given key, or the latest issued of that size). */
export async function checkpointAt(
  db: Kysely<Database>,
  size: number,
  vkey?: string,
): Promise<StoredCheckpoint | undefined> {
  let query = db.selectFrom("checkpoints").selectAll().where("size", "=", size);
  if (vkey) query = query.where("vkey", "=", vkey);
  const row = await query.orderBy("issued_at", "desc").limit(1).executeTakeFirst();
  return row ? toCheckpoint(row) : undefined;
}

/** Every stored checkpoint in size order (verify walks them beside the tree). */
export async function listCheckpoints(db: Kysely<Database>): Promise<StoredCheckpoint[]> {
  const rows = await db.selectFrom("checkpoints").selectAll().orderBy("size").orderBy("issued_at").execute();
  return rows.map(toCheckpoint);
}

/**
 * Opens a checkpoint note with one of the given verifier keys (an auditor's pinned key, or the store's
 * listed keys): the parsed checkpoint, or why it does not verify.
 */
export function openCheckpoint(
  note: string,
  vkeys: readonly string[],
): { checkpoint: Checkpoint; vkey: string } | { error: string } {
  const errors: string[] = [];
  for (const vkey of vkeys) {
    try {
      const text = openNote(note, parseNoteVerifierKey(vkey));
      return { checkpoint: parseCheckpoint(text), vkey };
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  return { error: errors.length > 0 ? errors.join("; ") : "no verifier key to check it with" };
}

function toCheckpoint(row: Database["checkpoints"]): StoredCheckpoint {
  return {
    size: Number(row.size),
    rootHash: row.root_hash,
    vkey: row.vkey,
    note: row.note,
    issuedAt: row.issued_at,
  };
}
