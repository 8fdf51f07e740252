import type { Kysely } from "kysely";
import { inclusionProof, type NodeId, nodesForInclusion } from "../core/merkle.js";
import { issueCheckpoint } from "../store/checkpoints.js";
import type { Database } from "../store/db/schema.js";
import type { StoreSigner } from "../store/store-key.js";
import { consistencyProof, readNodes } from "../store/tree.js";
import type { TreeProofs } from "./build.js";

/**
 * The store's Merkle tree as the bundle builder needs it: a checkpoint signed with the store key covering the
 * ledger as it is now (issued on the spot if the tree grew since the last one, and kept like every checkpoint),
 * and proofs read from `merkle_nodes`, the inclusion proofs of a page of entries in one batch of node reads.
 */
export function storeTreeProofs(db: Kysely<Database>, signer: StoreSigner, now: () => Date): TreeProofs {
  return {
    async checkpoint() {
      const { checkpoint } = await issueCheckpoint(db, signer.signer, signer.origin, now());
      if (!checkpoint) throw new Error("the ledger is empty: there is nothing to prove");
      return checkpoint.note;
    },
    async inclusionProofs(seqs, treeSize) {
      const ids = new Map<string, NodeId>();
      for (const seq of seqs)
        for (const id of nodesForInclusion(seq - 1, treeSize)) ids.set(`${id.level}:${id.index}`, id);
      const get = await readNodes(db, [...ids.values()]);
      return seqs.map((seq) => inclusionProof(get, seq - 1, treeSize));
    },
    async consistencyProof(fromSize, toSize) {
      const result = await consistencyProof(db, fromSize, toSize);
      return result.proof.map((p) => new Uint8Array(Buffer.from(p, "base64")));
    },
  };
}
