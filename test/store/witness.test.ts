import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openNote, parseCheckpoint, parseNoteVerifierKey } from "../../src/core/signed-note.js";
import { entryHash } from "../../src/store/ledger.js";
import { listStoreKeys } from "../../src/store/store-key.js";
import { backfillTree } from "../../src/store/tree.js";
import { publishPendingCheckpoints, verifyWitness, type WitnessResult } from "../../src/store/witness.js";
import { s3Clock } from "../emulators/aws/s3-objects.js";
import { createWorld, type RunningEmulator, startAwsEmulator } from "../emulators/aws/server.js";
import { emptyAccount } from "../emulators/aws/state.js";
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

const ACCOUNT = "444455556666";
const CREDENTIALS = { accessKeyId: "AKIAWITNESSTEST00001", secretAccessKey: "witness-secret-not-real" };
const REGION = "eu-west-2";

async function emulator(): Promise<{ emu: RunningEmulator; s3: S3Client }> {
  const world = createWorld();
  world.accounts.set(ACCOUNT, emptyAccount(ACCOUNT));
  world.credentials.set(CREDENTIALS.accessKeyId, {
    accountId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/witness`,
  });
  const emu = await startAwsEmulator(world);
  const s3 = new S3Client({
    region: REGION,
    endpoint: emu.url,
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  return { emu, s3 };
}

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return error as { name: string; $metadata: { httpStatusCode?: number }; message: string };
  }
  throw new Error("the call succeeded");
};

describe("the AWS emulator enforces S3 Object Lock as the S3 user guide documents it", () => {
  let emu: RunningEmulator;
  let s3: S3Client;
  beforeAll(async () => {
    ({ emu, s3 } = await emulator());
    await s3.send(new CreateBucketCommand({ Bucket: "locked", ObjectLockEnabledForBucket: true }));
    await s3.send(new CreateBucketCommand({ Bucket: "plain" }));
  });
  afterAll(async () => {
    s3Clock.now = () => Date.now();
    s3.destroy();
    await emu.close();
  });

  it("refuses to delete or weaken a COMPLIANCE-locked version before its retain-until date, and allows it after", async () => {
    const until = new Date(Date.now() + 86_400_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: "locked",
        Key: "cp/1",
        Body: "first",
        ObjectLockMode: "COMPLIANCE",
        ObjectLockRetainUntilDate: until,
        ChecksumAlgorithm: "SHA256",
      }),
    );
    const v1 = put.VersionId!;
    expect(v1).toBeTruthy();
    const denied = await errorOf(
      s3.send(new DeleteObjectCommand({ Bucket: "locked", Key: "cp/1", VersionId: v1 })),
    );
    expect(denied.name).toBe("AccessDenied");
    expect(denied.$metadata.httpStatusCode).toBe(403);
    // Overwriting only adds a version: the locked one is still there, unchanged.
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: "locked", Key: "cp/1", Body: "second" })))
      .VersionId;
    expect(v2).not.toBe(v1);
    const old = await s3.send(new GetObjectCommand({ Bucket: "locked", Key: "cp/1", VersionId: v1 }));
    expect(await old.Body!.transformToString()).toBe("first");
    expect(old.ObjectLockMode).toBe("COMPLIANCE");
    expect(old.ObjectLockRetainUntilDate?.toISOString()).toBe(until.toISOString());
    // Neither shortened nor switched to GOVERNANCE.
    for (const Retention of [
      { Mode: "COMPLIANCE" as const, RetainUntilDate: new Date(Date.now() + 3_600_000) },
      { Mode: "GOVERNANCE" as const, RetainUntilDate: until },
    ]) {
      const refused = await errorOf(
        s3.send(new PutObjectRetentionCommand({ Bucket: "locked", Key: "cp/1", VersionId: v1, Retention })),
      );
      expect(refused.name).toBe("AccessDenied");
    }
    // A simple DELETE only adds a delete marker.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: "locked", Key: "cp/1" }));
    expect(marker.DeleteMarker).toBe(true);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: "locked", Prefix: "cp/" }));
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([v2, v1]);
    expect(versions.DeleteMarkers).toHaveLength(1);
    // After the retain-until date the version may go.
    s3Clock.now = () => until.getTime() + 1000;
    await s3.send(new DeleteObjectCommand({ Bucket: "locked", Key: "cp/1", VersionId: v1 }));
    const gone = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: "locked", Key: "cp/1", VersionId: v1 })),
    );
    expect(gone.name).toBe("NoSuchVersion");
  });

  it("refuses lock parameters without a checksum or on a bucket created without Object Lock", async () => {
    const bare = new S3Client({
      region: REGION,
      endpoint: emu.url,
      forcePathStyle: true,
      credentials: CREDENTIALS,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    const lock = {
      ObjectLockMode: "COMPLIANCE" as const,
      ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000),
    };
    try {
      const noChecksum = await errorOf(
        bare.send(new PutObjectCommand({ Bucket: "locked", Key: "x", Body: "x", ...lock })),
      );
      expect(noChecksum.name).toBe("InvalidRequest");
      expect(noChecksum.message).toContain("Content-MD5 OR x-amz-checksum-");
    } finally {
      bare.destroy();
    }
    const plain = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: "plain", Key: "x", Body: "x", ChecksumAlgorithm: "SHA256", ...lock }),
      ),
    );
    expect(plain.name).toBe("InvalidRequest");
    expect(plain.message).toContain("Object Lock Configuration");
  });
});

describe.each(databases())("the S3 Object Lock witness of the store's checkpoints on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let emu: RunningEmulator;
  let s3: S3Client;
  let agent: TestAgent;
  let admin: string;
  let n = 0;
  const warnings: object[] = [];
  const log = { warn: (obj: object) => warnings.push(obj) };
  const env = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  const witness = {
    bucket: "assay-witness",
    prefix: "store-a/",
    retentionDays: 2555,
    intervalMs: 60_000,
    forcePathStyle: true,
    region: REGION,
  };
  const target = { bucket: witness.bucket, prefix: witness.prefix };

  const report = async (finishedAt?: Date) => {
    n += 1;
    const res = await postReport(app, agent, signedReport(agent, realisticFindings(`w-${n}`), finishedAt));
    expect(res.statusCode).toBe(201);
  };
  const sign = async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/checkpoint",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { size: number; note: string };
  };
  const publish = () =>
    publishPendingCheckpoints(
      app.assay.store.db,
      s3,
      { ...witness, endpoint: emu.url },
      () => new Date(),
      log,
    );
  const check = async (db = app.assay.store.db): Promise<WitnessResult> =>
    verifyWitness(db, s3, target, {
      vkeys: (await listStoreKeys(db)).map((k) => k.vkey),
      origin: app.assay.signer.origin,
    });

  beforeAll(async () => {
    ({ emu, s3 } = await emulator());
    // The store's own client takes credentials from the SDK's default chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { witness: { ...witness, endpoint: emu.url }, retention: { days: 30 } });
    admin = await personToken(app, "admin");
    agent = await enrolAgent(app, undefined, "witnessed");
    await report();
  });
  afterEach(() => {
    warnings.length = 0;
  });
  afterAll(async () => {
    if (env.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = env.id;
    if (env.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = env.secret;
    await app?.close();
    await tdb?.drop();
    s3.destroy();
    await emu.close();
  });

  it("logs a failed upload, keeps the checkpoint pending without blocking ingest, and archives it next round", async () => {
    await sign();
    expect(await publish()).toBe(0);
    expect(warnings).toEqual([
      expect.objectContaining({ bucket: "assay-witness", error: expect.stringContaining("NoSuchBucket") }),
    ]);
    await report();
    const pending = await app.assay.store.db.selectFrom("checkpoints").select("witnessed_at").execute();
    expect(pending.map((r) => r.witnessed_at)).toEqual([null]);
    await s3.send(new CreateBucketCommand({ Bucket: witness.bucket, ObjectLockEnabledForBucket: true }));
    expect(await publish()).toBe(1);
    expect(await publish()).toBe(0);
  });

  it("archives each checkpoint as its signed note, locked in COMPLIANCE mode for the retention period", async () => {
    const { size, note } = await sign();
    const before = Date.now();
    expect(await publish()).toBe(1);
    const key = `store-a/${String(size).padStart(20, "0")}-${app.assay.signer.vkey.split("+")[1]}.checkpoint`;
    const object = await s3.send(new GetObjectCommand({ Bucket: witness.bucket, Key: key }));
    expect(await object.Body!.transformToString()).toBe(note);
    expect(object.ObjectLockMode).toBe("COMPLIANCE");
    const until = object.ObjectLockRetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 2555 * 86_400_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 2555 * 86_400_000 + 1000);
    expect(parseCheckpoint(openNote(note, parseNoteVerifierKey(app.assay.signer.vkey))).size).toBe(size);
    // Nobody can remove it, the store included.
    const versionId = object.VersionId!;
    const denied = await errorOf(
      s3.send(new DeleteObjectCommand({ Bucket: witness.bucket, Key: key, VersionId: versionId })),
    );
    expect(denied.name).toBe("AccessDenied");
  });

  it("verifies the live tree against every archived checkpoint, also after a retention disposal", async () => {
    const ok = await check();
    expect(ok).toMatchObject({ ok: true, archived: 2, checked: 2, problems: [] });
    await report(new Date(Date.now() - 60 * 86_400_000));
    const run = await app.inject({
      method: "POST",
      url: "/v1/retention/run",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(run.json()).toMatchObject({ disposal: { reports: 1 } });
    await sign();
    expect(await publish()).toBe(1);
    const after = await check();
    expect(after).toMatchObject({ ok: true, archived: 3, checked: 3 });
    // The disposal is a leaf of the tree, like every other entry.
    const last = await app.assay.store.db
      .selectFrom("ledger")
      .selectAll()
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(last.kind).toBe("disposal");
    expect(after.treeSize).toBe(Number(last.seq));
  });

  class Rollback extends Error {}
  const tampered = async (edit: (db: FastifyInstance["assay"]["store"]["db"]) => Promise<void>) => {
    let result: WitnessResult | undefined;
    await app.assay.store.db
      .transaction()
      .execute(async (trx) => {
        await edit(trx);
        result = await check(trx);
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
    return result!;
  };

  it("names every witnessed checkpoint a database rewritten after it no longer matches", async () => {
    // Entry 2 is rewritten with its chain, head and tree recomputed: every checkpoint from size 2 on disagrees.
    const result = await tampered(async (db) => {
      const rows = await db.selectFrom("ledger").selectAll().orderBy("seq").execute();
      let prev = rows[0]!.entry_hash;
      for (const row of rows.slice(1)) {
        const changed = { ...row, seq: Number(row.seq), prev_hash: prev };
        if (changed.seq === 2) changed.appended_at = "2021-01-01T00:00:00.000Z";
        const hash = entryHash(changed);
        await db
          .updateTable("ledger")
          .set({ prev_hash: prev, entry_hash: hash, appended_at: changed.appended_at })
          .where("seq", "=", changed.seq)
          .execute();
        prev = hash;
      }
      await db.updateTable("ledger_head").set({ entry_hash: prev }).where("id", "=", 1).execute();
      await db.deleteFrom("merkle_nodes").execute();
      await backfillTree(db, app.assay.store.dialect);
    });
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(3);
    for (const p of result.problems) {
      expect(p.key).toMatch(/^store-a\/\d{20}-[0-9a-f]{8}\.checkpoint$/u);
      expect(p.problem).toMatch(/does not extend this witnessed checkpoint|not the witnessed root/u);
    }
  });

  it("names the witnessed checkpoints beyond a ledger whose newest entries were removed", async () => {
    const result = await tampered(async (db) => {
      const size = Number((await db.selectFrom("ledger_head").select("seq").executeTakeFirstOrThrow()).seq);
      const keep = size - 2;
      const tip = await db
        .selectFrom("ledger")
        .select("entry_hash")
        .where("seq", "=", keep)
        .executeTakeFirstOrThrow();
      await db.deleteFrom("ledger").where("seq", ">", keep).execute();
      await db
        .updateTable("ledger_head")
        .set({ seq: keep, entry_hash: tip.entry_hash })
        .where("id", "=", 1)
        .execute();
      await db.deleteFrom("merkle_nodes").execute();
      await backfillTree(db, app.assay.store.dialect);
    });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({
        problem: expect.stringMatching(
          /^the ledger has \d+ entries, fewer than the \d+ of this witnessed checkpoint: entries were removed$/u,
        ),
      }),
    ]);
  });
});
