import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AssayError } from "../../core/errors.js";
import { checkpointAt, issueCheckpoint, latestCheckpoint } from "../checkpoints.js";
import { HttpError } from "../http-error.js";
import { listStoreKeys } from "../store-key.js";
import { consistencyProof, inclusionProof, seqOfEntryHash, TreeRangeError, treeSize } from "../tree.js";
import { parseInput } from "../validate.js";

const READERS = ["admin", "lead", "auditor"] as const;
const TreeSize = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const CheckpointQuery = z.strictObject({ size: TreeSize.optional() });
const InclusionQuery = z
  .strictObject({
    seq: TreeSize.optional(),
    entryHash: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/u, "must be the 64 hex digits of a ledger entry hash")
      .optional(),
    size: TreeSize.optional(),
  })
  .refine((q) => (q.seq === undefined) !== (q.entryHash === undefined), {
    message: "give exactly one of seq or entryHash",
    path: ["seq"],
  });
const ConsistencyQuery = z.strictObject({ from: TreeSize, to: TreeSize.optional() });

/**
 * The Merkle tree over the ledger, for auditors and witnesses: signed checkpoints (C2SP tlog-checkpoint
 * notes, served as text/plain exactly as signed), inclusion proofs for entries and consistency proofs
 * between sizes (RFC 9162; hashes base64). Sizes default to the latest checkpoint's, so a proof fetched
 * beside `GET /v1/checkpoint` verifies against it. Everyone who reads the ledger reads these; an admin
 * can have a checkpoint signed now.
 */
export default async function treeRoutes(app: FastifyInstance): Promise<void> {
  const { store } = app.assay;

  app.get(
    "/v1/checkpoint",
    {
      config: { access: READERS },
      schema: {
        summary: "The latest signed checkpoint (or the one at ?size=), a C2SP tlog-checkpoint note",
        tags: ["ledger"],
      },
    },
    async (request, reply) => {
      const q = parseInput(CheckpointQuery, request.query, "query");
      const checkpoint =
        q.size === undefined ? await latestCheckpoint(store.db) : await checkpointAt(store.db, q.size);
      if (!checkpoint) {
        throw new HttpError(
          404,
          "STORE_NOT_FOUND",
          q.size === undefined
            ? "No checkpoint has been signed yet (the store signs one on its schedule once the ledger has entries; an admin can POST /v1/checkpoint)."
            : `No checkpoint was signed at tree size ${q.size}.`,
          q.size === undefined ? undefined : "size",
        );
      }
      return reply.type("text/plain; charset=utf-8").send(checkpoint.note);
    },
  );

  app.post(
    "/v1/checkpoint",
    {
      config: { access: ["admin"] },
      schema: {
        summary: "Sign a checkpoint of the tree now (returns the existing one if current)",
        tags: ["ledger"],
      },
    },
    async (_request, reply) => {
      const { signer, origin } = app.assay.signer;
      const { checkpoint, issued } = await issueCheckpoint(store.db, signer, origin, app.assay.now());
      if (!checkpoint)
        throw new HttpError(409, "STORE_TREE_EMPTY", "The ledger is empty: there is no tree to sign.");
      return reply.code(issued ? 201 : 200).send({
        size: checkpoint.size,
        rootHash: Buffer.from(checkpoint.rootHash, "hex").toString("base64"),
        key: checkpoint.vkey,
        issuedAt: checkpoint.issuedAt,
        note: checkpoint.note,
        issued,
      });
    },
  );

  app.get(
    "/v1/checkpoint/keys",
    {
      config: { access: READERS },
      schema: {
        summary: "Every key that has signed checkpoints (C2SP verifier key strings)",
        tags: ["ledger"],
      },
    },
    async () => ({ current: app.assay.signer.vkey, keys: await listStoreKeys(store.db) }),
  );

  app.get(
    "/v1/proof/inclusion",
    {
      config: { access: READERS },
      schema: {
        summary: "Inclusion proof of a ledger entry (?seq= or ?entryHash=) in the tree of ?size= entries",
        tags: ["ledger"],
      },
    },
    async (request) => {
      const q = parseInput(InclusionQuery, request.query, "query");
      let seq = q.seq;
      if (seq === undefined) {
        seq = await seqOfEntryHash(store.db, q.entryHash!);
        if (seq === undefined)
          throw new HttpError(
            404,
            "STORE_NOT_FOUND",
            `No ledger entry has hash ${q.entryHash}.`,
            "entryHash",
          );
      }
      const size = q.size ?? (await defaultSize());
      return asHttp(() => inclusionProof(store.db, seq, size));
    },
  );

  app.get(
    "/v1/proof/consistency",
    {
      config: { access: READERS },
      schema: {
        summary: "Consistency proof that the tree of ?to= entries extends the tree of ?from= entries",
        tags: ["ledger"],
      },
    },
    async (request) => {
      const q = parseInput(ConsistencyQuery, request.query, "query");
      const to = q.to ?? (await defaultSize());
      return asHttp(() => consistencyProof(store.db, q.from, to));
    },
  );

  /** The latest checkpoint's size, so proofs match what GET /v1/checkpoint serves; else the live size. */
  async function defaultSize(): Promise<number> {
    return (await latestCheckpoint(store.db))?.size ?? (await treeSize(store.db));
  }
}

async function asHttp<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TreeRangeError) {
      const field = (error.details as { field?: string } | undefined)?.field;
      throw new HttpError(400, "STORE_BAD_REQUEST", `Invalid query: ${error.message}`, field);
    }
    if (error instanceof AssayError && error.code === "STORE_NOT_FOUND") {
      throw new HttpError(404, error.code, error.message);
    }
    throw error;
  }
}
