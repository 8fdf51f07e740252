import { statSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leafHash, MemoryTree, verifyConsistency, verifyInclusion } from "../../src/core/merkle.js";
import { openNote, parseCheckpoint, parseNoteVerifierKey } from "../../src/core/signed-note.js";
import { entryHash } from "../../src/store/ledger.js";
import { backfillTree } from "../../src/store/tree.js";
import { type VerifyResult, verifyLedger } from "../../src/store/verify.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  realisticFindings,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

class Rollback extends Error {}

const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

describe.each(databases())("the ledger's Merkle tree, checkpoints and proofs on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let auditor: string;
  let admin: string;
  let logs = "";
  let reports = 0;

  const get = (url: string, token = auditor) =>
    app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
  const sign = () =>
    app.inject({ method: "POST", url: "/v1/checkpoint", headers: { authorization: `Bearer ${admin}` } });
  const report = async () => {
    reports += 1;
    const res = await postReport(app, agent, signedReport(agent, realisticFindings(`tree-${reports}`)));
    expect(res.statusCode).toBe(201);
  };
  const start = () =>
    testApp(
      tdb.options,
      { logLevel: "info", retention: { days: 30 } },
      {
        logStream: new Writable({
          write(chunk, _enc, done) {
            logs += String(chunk);
            done();
          },
        }),
      },
    );
  /** The tree recomputed from the ledger rows, as an auditor holding the entries would. */
  const ledgerTree = async () => {
    const rows = await app.assay.store.db.selectFrom("ledger").selectAll().orderBy("seq").execute();
    const tree = new MemoryTree();
    for (const r of rows) tree.append(leafHash(Buffer.from(r.entry_hash, "hex")));
    return { tree, rows };
  };
  const key = async () => {
    const res = await get("/v1/checkpoint/keys");
    expect(res.statusCode).toBe(200);
    return parseNoteVerifierKey((res.json() as { current: string }).current);
  };

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await start();
    auditor = await personToken(app, "auditor");
    admin = await personToken(app, "admin");
    agent = await enrolAgent(app, undefined, "tree-host");
    for (let i = 0; i < 6; i++) await report();
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("stores exactly the complete subtrees of the ledger's entries, and their root is the RFC 6962 root", async () => {
    const { tree, rows } = await ledgerTree();
    const n = rows.length;
    expect(n).toBe(7); // one enrolment, six reports
    const stored = await app.assay.store.db.selectFrom("merkle_nodes").selectAll().execute();
    // A tree of n leaves has 2n − popcount(n) complete subtrees.
    expect(stored.length).toBe(2 * n - n.toString(2).replaceAll("0", "").length);
    for (const node of stored) {
      expect(Buffer.from(node.hash).equals(Buffer.from(tree.get(Number(node.level), Number(node.idx))))).toBe(
        true,
      );
    }
  });

  it("keeps the signing key in a 0600 file in the data folder and never logs it", async () => {
    const file = join(String(tdb.options.dataDir), "store-signing.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(logs).toContain(app.assay.signer.vkey);
    expect(logs).not.toContain("PRIVATE+KEY");
  });

  it("has no checkpoint until one is signed, then serves the signed C2SP note", async () => {
    const none = await get("/v1/checkpoint");
    expect(none.statusCode).toBe(404);
    const signed = await sign();
    expect(signed.statusCode).toBe(201);
    expect((await sign()).statusCode).toBe(200); // nothing new to sign: the same checkpoint
    const res = await get("/v1/checkpoint");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const text = openNote(res.body, await key());
    const checkpoint = parseCheckpoint(text);
    expect(checkpoint.origin).toBe(app.assay.signer.origin);
    expect(checkpoint.size).toBe(7);
    const { tree } = await ledgerTree();
    expect(Buffer.from(checkpoint.rootHash).equals(Buffer.from(tree.root()))).toBe(true);
    // origin, size, base64 root, blank line, one signature line naming the key.
    expect(res.body).toMatch(
      /^assay-store\/[0-9a-z]{26}\n7\n[A-Za-z0-9+/]{43}=\n\n— assay-store\/[0-9a-z]{26} \S+\n$/u,
    );
  });

  it("proves every entry's inclusion against the signed checkpoint, by seq and by entry hash", async () => {
    const checkpoint = parseCheckpoint(openNote((await get("/v1/checkpoint")).body, await key()));
    const { rows } = await ledgerTree();
    for (const row of rows) {
      const res = await get(`/v1/proof/inclusion?seq=${row.seq}`);
      expect(res.statusCode).toBe(200);
      const proof = res.json() as { leafIndex: number; treeSize: number; proof: string[]; entryHash: string };
      expect(proof.treeSize).toBe(checkpoint.size);
      expect(proof.entryHash).toBe(row.entry_hash);
      const leaf = leafHash(Buffer.from(row.entry_hash, "hex"));
      expect(
        verifyInclusion(leaf, proof.leafIndex, proof.treeSize, proof.proof.map(b64), checkpoint.rootHash),
      ).toBe(true);
      // A proof for one entry does not prove another.
      const other = leafHash(Buffer.from(entryHash({ ...row, seq: Number(row.seq) + 100 }), "hex"));
      expect(
        verifyInclusion(other, proof.leafIndex, proof.treeSize, proof.proof.map(b64), checkpoint.rootHash),
      ).toBe(false);
    }
    const byHash = await get(`/v1/proof/inclusion?entryHash=${rows[3]!.entry_hash.toUpperCase()}&size=7`);
    expect(byHash.statusCode).toBe(200);
    expect(byHash.json()).toMatchObject({ seq: 4, leafIndex: 3, treeSize: 7 });
  });

  it("proves a later tree extends an earlier checkpoint; old checkpoints stay served", async () => {
    const older = parseCheckpoint(openNote((await get("/v1/checkpoint")).body, await key()));
    for (let i = 0; i < 3; i++) await report();
    const old = signedReport(agent, realisticFindings("tree-old"), new Date(Date.now() - 60 * 86_400_000));
    expect((await postReport(app, agent, old)).statusCode).toBe(201);
    // Retention disposals are ledger entries, so they are leaves of the tree too.
    const disposal = await app.inject({
      method: "POST",
      url: "/v1/retention/run",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(disposal.statusCode).toBe(200);
    expect(disposal.json()).toMatchObject({ disposal: { ledgerSeq: 12, reports: 1 } });
    expect(await sign().then((r) => r.statusCode)).toBe(201);
    const newer = parseCheckpoint(openNote((await get("/v1/checkpoint")).body, await key()));
    expect(newer.size).toBe(12);
    const res = await get(`/v1/proof/consistency?from=${older.size}`);
    expect(res.statusCode).toBe(200);
    const proof = res.json() as {
      from: number;
      to: number;
      proof: string[];
      fromRoot: string;
      toRoot: string;
    };
    expect(proof.to).toBe(12);
    expect(
      verifyConsistency(older.size, newer.size, proof.proof.map(b64), older.rootHash, newer.rootHash),
    ).toBe(true);
    // Against any other old root it fails.
    const wrong = new Uint8Array(older.rootHash);
    wrong[0] = wrong[0]! ^ 1;
    expect(verifyConsistency(older.size, newer.size, proof.proof.map(b64), wrong, newer.rootHash)).toBe(
      false,
    );
    for (let from = 1; from <= 12; from++) {
      const r = (await get(`/v1/proof/consistency?from=${from}&to=12`)).json() as {
        proof: string[];
        fromRoot: string;
      };
      expect(verifyConsistency(from, 12, r.proof.map(b64), b64(r.fromRoot), newer.rootHash)).toBe(true);
    }
    const served = await get(`/v1/checkpoint?size=${older.size}`);
    expect(served.statusCode).toBe(200);
    expect(parseCheckpoint(openNote(served.body, await key())).rootHash).toEqual(older.rootHash);
  });

  it.each([
    ["/v1/proof/inclusion?seq=1&size=0", "size"],
    ["/v1/proof/inclusion?seq=1&size=13", "size"],
    ["/v1/proof/inclusion?seq=9&size=8", "seq"],
    ["/v1/proof/inclusion?seq=0", "seq"],
    ["/v1/proof/inclusion?seq=x", "seq"],
    ["/v1/proof/inclusion?size=3", "seq"],
    [`/v1/proof/inclusion?seq=1&entryHash=${"a".repeat(64)}`, "seq"],
    ["/v1/proof/inclusion?entryHash=abc", "entryHash"],
    ["/v1/proof/consistency?from=5&to=4", "from"],
    ["/v1/proof/consistency?from=0&to=4", "from"],
    ["/v1/proof/consistency?from=1&to=13", "to"],
    ["/v1/proof/consistency?to=4", "from"],
    ["/v1/checkpoint?size=-1", "size"],
  ])("%s → 400 naming %s", async (url, field) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  it("answers 404 for an unknown entry hash or a size never signed", async () => {
    expect((await get(`/v1/proof/inclusion?entryHash=${"a".repeat(64)}`)).statusCode).toBe(404);
    expect((await get("/v1/checkpoint?size=3")).statusCode).toBe(404);
  });

  it("verify recomputes the tree and checks every stored checkpoint", async () => {
    const result = await verifyLedger(app.assay.store.db);
    expect(result.broken).toEqual([]);
    expect(result.treeNodesChecked).toBe(2 * 12 - 2);
    expect(result.checkpointsChecked).toBe(2);
  });

  const tampered = async (edit: (db: FastifyInstance["assay"]["store"]["db"]) => Promise<void>) => {
    let result: VerifyResult | undefined;
    await app.assay.store.db
      .transaction()
      .execute(async (trx) => {
        await edit(trx);
        result = await verifyLedger(trx);
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
    return result!;
  };

  it("verify names an edited, missing or extra tree node", async () => {
    const edited = await tampered(async (db) => {
      await db
        .updateTable("merkle_nodes")
        .set({ hash: new Uint8Array(32) })
        .where("level", "=", 1)
        .where("idx", "=", 2)
        .execute();
    });
    expect(edited.ok).toBe(false);
    expect(edited.broken).toEqual([
      expect.objectContaining({
        kind: "tree",
        ref: "merkle_nodes 1/2",
        problem: "a stored Merkle node does not match the tree of the ledger's entries",
      }),
    ]);
    const missing = await tampered(async (db) => {
      await db.deleteFrom("merkle_nodes").where("level", "=", 0).where("idx", "=", 11).execute();
    });
    expect(missing.broken.map((b) => `${b.ref}: ${b.problem}`)).toEqual([
      "merkle_nodes 0/11: a Merkle node of the ledger's tree is missing",
    ]);
    const extra = await tampered(async (db) => {
      await db
        .insertInto("merkle_nodes")
        .values({ level: 0, idx: 12, hash: new Uint8Array(32) })
        .execute();
    });
    expect(extra.broken.map((b) => b.problem)).toEqual([
      "a stored Merkle node lies outside the tree of the ledger's 12 entries",
    ]);
  });

  it("verify names a database rewritten consistently after a signed checkpoint", async () => {
    // Someone with write access edits the newest entry, recomputes its hash, the head and the whole tree:
    // chain and tree agree again, but the signed checkpoint no longer does.
    const result = await tampered(async (db) => {
      const last = await db.selectFrom("ledger").selectAll().where("seq", "=", 12).executeTakeFirstOrThrow();
      const rewritten = { ...last, seq: 12, appended_at: "2020-01-01T00:00:00.000Z" };
      const hash = entryHash(rewritten);
      await db
        .updateTable("ledger")
        .set({ appended_at: rewritten.appended_at, entry_hash: hash })
        .where("seq", "=", 12)
        .execute();
      await db.updateTable("ledger_head").set({ entry_hash: hash }).where("id", "=", 1).execute();
      await db.deleteFrom("merkle_nodes").execute();
      await backfillTree(db, app.assay.store.dialect);
    });
    expect(result.ok).toBe(false);
    expect(result.counts.tree).toBeUndefined();
    expect(result.broken).toContainEqual(
      expect.objectContaining({
        kind: "checkpoint",
        ref: "checkpoint 12",
        problem: "the signed root hash is not the root of the ledger's entries at that size",
      }),
    );
  });

  it("verify names a checkpoint whose note was altered or signed by an unlisted key", async () => {
    const forged = await tampered(async (db) => {
      const row = await db
        .selectFrom("checkpoints")
        .selectAll()
        .where("size", "=", 7)
        .executeTakeFirstOrThrow();
      await db
        .updateTable("checkpoints")
        .set({ note: row.note.replace("\n7\n", "\n6\n") })
        .where("size", "=", 7)
        .execute();
      await db.deleteFrom("store_keys").execute();
    });
    expect(forged.broken.map((b) => `${b.ref}: ${b.problem}`)).toEqual([
      "checkpoint 7: the checkpoint names a key that is not among the store's keys",
      expect.stringMatching(
        /^checkpoint 7: the checkpoint's signature does not verify: the signature of .* does not verify$/,
      ),
      "checkpoint 12: the checkpoint names a key that is not among the store's keys",
    ]);
  });

  it("keeps its key and its tree across a restart, and appends continue from the stored edge", async () => {
    const vkey = app.assay.signer.vkey;
    await app.close();
    app = await start();
    expect(app.assay.signer.vkey).toBe(vkey);
    for (let i = 0; i < 3; i++) await report();
    const { tree, rows } = await ledgerTree();
    expect(rows.length).toBe(15);
    const signed = await sign();
    expect(signed.statusCode).toBe(201);
    const checkpoint = parseCheckpoint(openNote((signed.json() as { note: string }).note, await key()));
    expect(Buffer.from(checkpoint.rootHash).equals(Buffer.from(tree.root()))).toBe(true);
    const result = await verifyLedger(app.assay.store.db);
    expect(result.broken).toEqual([]);
    expect(result.checkpointsChecked).toBe(3);
  });
});

describe("scheduled checkpoints", () => {
  it("signs a checkpoint on its schedule once the tree has grown, and not again until it grows", async () => {
    const tdb = await freshDatabase({ name: "sqlite" });
    const app = await testApp(tdb.options, { backgroundJobs: true, checkpoints: { intervalMs: 20 } });
    try {
      const waitFor = async (size: number) => {
        for (let i = 0; i < 200; i++) {
          const rows = await app.assay.store.db.selectFrom("checkpoints").select("size").execute();
          if (rows.some((r) => Number(r.size) === size)) return rows.length;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`no checkpoint of size ${size} was signed`);
      };
      const agent = await enrolAgent(app, undefined, "scheduled");
      expect(await waitFor(1)).toBe(1);
      await new Promise((r) => setTimeout(r, 100));
      expect(await app.assay.store.db.selectFrom("checkpoints").select("size").execute()).toHaveLength(1);
      expect((await postReport(app, agent, signedReport(agent, realisticFindings("sched")))).statusCode).toBe(
        201,
      );
      expect(await waitFor(2)).toBe(2);
    } finally {
      await app.close();
      await tdb.drop();
    }
  });
});

describe("the signing key from the environment", () => {
  it("uses ASSAY_STORE_SIGNING_KEY (checkpoints.signingKey) without writing a key file, and refuses a bad one without echoing it", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { existsSync } = await import("node:fs");
    const { formatNoteSignerKey, formatNoteVerifierKey, noteSignerFromPrivateKey } = await import(
      "../../src/core/signed-note.js"
    );
    const signer = noteSignerFromPrivateKey("assay.example/store", generateKeyPairSync("ed25519").privateKey);
    const tdb = await freshDatabase({ name: "sqlite" });
    try {
      const app = await testApp(tdb.options, { checkpoints: { signingKey: formatNoteSignerKey(signer) } });
      try {
        expect(app.assay.signer.vkey).toBe(formatNoteVerifierKey(signer));
        expect(app.assay.signer.source).toContain("ASSAY_STORE_SIGNING_KEY");
        expect(existsSync(join(String(tdb.options.dataDir), "store-signing.key"))).toBe(false);
      } finally {
        await app.close();
      }
      const bad = "PRIVATE+KEY+x+00000000+bm90LWEta2V5";
      const refused = await testApp(tdb.options, { checkpoints: { signingKey: bad } }).then(
        () => undefined,
        (error: Error & { code?: string }) => error,
      );
      expect(refused?.code).toBe("STORE_SIGNING_KEY_INVALID");
      expect(refused?.message).toContain("ASSAY_STORE_SIGNING_KEY");
      expect(refused?.message).not.toContain("bm90LWEta2V5");
    } finally {
      await tdb.drop();
    }
  });
});
