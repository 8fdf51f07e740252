import type { S3Client } from "@aws-sdk/client-s3";
import type { Kysely } from "kysely";
import { z } from "zod";
import { AssayError } from "../core/errors.js";
import { equalHashes, verifyConsistency } from "../core/merkle.js";
import { openCheckpoint } from "./checkpoints.js";
import type { Database } from "./db/schema.js";
import { consistencyProof, rootAt, treeSize } from "./tree.js";

/**
 * A witness nobody with access to the store can rewrite: every signed checkpoint is archived to S3 under Object
 * Lock in COMPLIANCE mode with a retain-until date, so until then no one, the bucket's owner included, can
 * delete or overwrite that version (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html).
 * Publishing runs in its own background loop: a failed upload is logged and retried next round, and ingest
 * never waits for it. `verifyWitness` reads every archived checkpoint back and checks the live tree against
 * each: signed by one of the store's keys, and the live tree a consistent extension of it (RFC 9162 2.1.4).
 *
 * The bucket must have been created with Object Lock enabled (`aws s3api create-bucket
 * --object-lock-enabled-for-bucket`); S3 refuses lock parameters otherwise, and the refusal is logged.
 */
export const WitnessOptionsSchema = z.strictObject({
  bucket: z.string().min(3).max(63),
  /** Key prefix of the archived checkpoints, e.g. `assay/checkpoints/`. */
  prefix: z.string().default(""),
  /** Each checkpoint is locked (COMPLIANCE) until this many days after it is archived. */
  retentionDays: z.number().int().positive().max(36_500),
  region: z.string().optional(),
  /** An S3-compatible endpoint (tests: the emulator); default: AWS. Credentials: the SDK's default chain. */
  endpoint: z.url().optional(),
  forcePathStyle: z.boolean().default(false),
  /** How often unarchived checkpoints are published (and failed uploads retried). */
  intervalMs: z.number().int().positive().default(30_000),
});
export type WitnessOptions = z.infer<typeof WitnessOptionsSchema>;

export async function witnessClient(
  options: Pick<WitnessOptions, "region" | "endpoint" | "forcePathStyle">,
): Promise<S3Client> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  return new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    maxAttempts: 3,
  });
}

/** `<prefix><size, 20 digits>-<key id>.checkpoint`: keys sort by tree size, one object per checkpoint. */
export function witnessKey(prefix: string, size: number, vkey: string): string {
  const keyId = vkey.split("+")[1] ?? "key";
  return `${prefix}${String(size).padStart(20, "0")}-${keyId}.checkpoint`;
}

/**
 * Archives the checkpoints not yet witnessed, oldest first. Stops at the first failure (logged; the rest wait
 * for the next round). Returns how many were archived.
 */
export async function publishPendingCheckpoints(
  db: Kysely<Database>,
  client: S3Client,
  options: WitnessOptions,
  now: () => Date,
  log: { warn(obj: object, msg: string): void },
): Promise<number> {
  const { PutObjectCommand } = await import("@aws-sdk/client-s3");
  const pending = await db
    .selectFrom("checkpoints")
    .selectAll()
    .where("witnessed_at", "is", null)
    .orderBy("size")
    .limit(100)
    .execute();
  let published = 0;
  for (const row of pending) {
    const size = Number(row.size);
    const key = witnessKey(options.prefix, size, row.vkey);
    const at = now();
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: key,
          Body: row.note,
          ContentType: "text/plain; charset=utf-8",
          ObjectLockMode: "COMPLIANCE",
          ObjectLockRetainUntilDate: new Date(at.getTime() + options.retentionDays * 86_400_000),
          // S3 requires a checksum on a PutObject with Object Lock parameters; name one whatever the SDK default.
          ChecksumAlgorithm: "SHA256",
        }),
      );
    } catch (error) {
      log.warn(
        { bucket: options.bucket, key, size, error: describe(error) },
        "could not archive a checkpoint to the S3 witness; retrying next round",
      );
      break;
    }
    await db
      .updateTable("checkpoints")
      .set({ witnessed_at: at.toISOString() })
      .where("size", "=", size)
      .where("vkey", "=", row.vkey)
      .execute();
    published += 1;
  }
  return published;
}

export interface WitnessProblem {
  /** The archived object. */
  key: string;
  size?: number;
  problem: string;
}

export interface WitnessResult {
  ok: boolean;
  /** Objects found under the prefix, and how many were checked against the live tree. */
  archived: number;
  checked: number;
  treeSize: number;
  problems: WitnessProblem[];
}

/** `s3://bucket/prefix` → bucket and prefix. */
export function parseWitnessUrl(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/u.exec(url);
  if (!match) {
    throw new AssayError(
      "STORE_BAD_WITNESS",
      `--witness must read s3://<bucket>[/<prefix>], not ${JSON.stringify(url)}.`,
    );
  }
  return { bucket: match[1]!, prefix: match[2] ?? "" };
}

/**
 * Checks the live tree against every checkpoint archived under `bucket/prefix`: each must be signed by one of
 * `vkeys`, name this store's origin, and be of a size the ledger still has, and the live tree must extend it
 * (a consistency proof from its size to the current size, verified against its signed root).
 */
export async function verifyWitness(
  db: Kysely<Database>,
  client: S3Client,
  target: { bucket: string; prefix: string },
  trust: { vkeys: readonly string[]; origin: string },
): Promise<WitnessResult> {
  const { GetObjectCommand, ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const problems: WitnessProblem[] = [];
  const size = await treeSize(db);
  const root = size > 0 ? await rootAt(db, size) : undefined;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: target.bucket, Prefix: target.prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  let checked = 0;
  for (const key of keys) {
    const object = await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
    const note = (await object.Body?.transformToString("utf-8")) ?? "";
    const opened = openCheckpoint(note, trust.vkeys);
    if ("error" in opened) {
      problems.push({ key, problem: `not a checkpoint signed by the store's keys: ${opened.error}` });
      continue;
    }
    const witnessed = opened.checkpoint;
    const fail = (problem: string) => problems.push({ key, size: witnessed.size, problem });
    checked += 1;
    if (witnessed.size === 0) continue; // every tree extends the empty one
    if (witnessed.origin !== trust.origin) {
      fail(`the checkpoint is of log ${witnessed.origin}, not this store's ${trust.origin}`);
      continue;
    }
    if (witnessed.size > size || !root) {
      fail(
        `the ledger has ${size} entries, fewer than the ${witnessed.size} of this witnessed checkpoint: entries were removed`,
      );
      continue;
    }
    if (witnessed.size === size) {
      if (!equalHashes(witnessed.rootHash, root))
        fail("the live tree's root at this size is not the witnessed root: the ledger was rewritten");
      continue;
    }
    const proof = await consistencyProof(db, witnessed.size, size);
    const hashes = proof.proof.map((h) => new Uint8Array(Buffer.from(h, "base64")));
    if (!verifyConsistency(witnessed.size, size, hashes, witnessed.rootHash, root)) {
      fail(
        `the live tree of ${size} entries does not extend this witnessed checkpoint (the consistency proof fails): the ledger was rewritten after it was witnessed`,
      );
    }
  }
  return { ok: problems.length === 0, archived: keys.length, checked, treeSize: size, problems };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
