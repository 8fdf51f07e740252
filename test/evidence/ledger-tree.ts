import { generateKeyPairSync } from "node:crypto";
import type { Kysely } from "kysely";
import { consistencyProof, inclusionProof, leafHash, MemoryTree } from "../../src/core/merkle.js";
import {
  formatCheckpoint,
  formatNoteVerifierKey,
  type NoteSignerKey,
  noteSignerFromPrivateKey,
  signNote,
} from "../../src/core/signed-note.js";
import type { TreeProofs } from "../../src/evidence/build.js";
import type { Database } from "../../src/store/db/schema.js";

/**
 * A test stand-in for the store's tree: the RFC 6962 tree over the ledger as the database holds it now (leaf =
 * the RFC 6962 leaf hash of the 32 bytes of each entry hash, leaf index = seq − 1), rebuilt on every checkpoint, signed with a test key.
 * Rebuilding from the rows is exactly what someone who rewrote the database would do, so it also plays the
 * forger in the consistency test.
 */
export function ledgerTree(db: Kysely<Database>, origin = "assay.test/store") {
  const signer: NoteSignerKey = noteSignerFromPrivateKey(origin, generateKeyPairSync("ed25519").privateKey);
  let tree = new MemoryTree();
  const rebuild = async () => {
    const rows = await db.selectFrom("ledger").select(["seq", "entry_hash"]).orderBy("seq").execute();
    tree = new MemoryTree();
    for (const r of rows) tree.append(leafHash(Buffer.from(r.entry_hash, "hex")));
  };
  const proofs: TreeProofs = {
    async checkpoint() {
      await rebuild();
      return signNote(formatCheckpoint({ origin, size: tree.size, rootHash: tree.root() }), signer);
    },
    async inclusionProofs(seqs, size) {
      return seqs.map((seq) => inclusionProof(tree.get, seq - 1, size));
    },
    async consistencyProof(from, to) {
      return consistencyProof(tree.get, from, to);
    },
  };
  return { proofs, signer, verifierKey: formatNoteVerifierKey(signer) };
}
