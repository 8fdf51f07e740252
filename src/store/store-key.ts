import { generateKeyPairSync } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Kysely } from "kysely";
import { AssayError } from "../core/errors.js";
import {
  formatKeyId,
  formatNoteSignerKey,
  formatNoteVerifierKey,
  type NoteSignerKey,
  noteSignerFromPrivateKey,
  parseNoteSignerKey,
} from "../core/signed-note.js";
import type { Database } from "./db/schema.js";
import type { StoreOptions } from "./options.js";

/**
 * The store's checkpoint signing key: an Ed25519 key kept as a C2SP/sumdb signer key string
 * (`PRIVATE+KEY+name+hexid+base64`), from `ASSAY_STORE_SIGNING_KEY` (`checkpoints.signingKey`), a file named by
 * `checkpoints.keyFile`, or `store-signing.key` in the data directory, created 0600 on first start. The
 * key never leaves the process and is never logged; only its public half is listed in `store_keys` (every key
 * that ever signed stays listed, so checkpoints signed before a rotation still verify).
 */

export const DEFAULT_KEY_FILE = "store-signing.key";

export interface StoreSigner {
  signer: NoteSignerKey;
  /** The checkpoint origin line. */
  origin: string;
  /** The verifier key string (`name+hexid+base64`). */
  vkey: string;
  /** Where the key came from: a file path or the environment (never the key). */
  source: string;
}

/** Loads (or on first start creates) the signing key and lists its public key in `store_keys`. */
export async function loadStoreSigner(
  db: Kysely<Database>,
  options: StoreOptions,
  now: Date,
): Promise<StoreSigner> {
  const origin = await storeOrigin(db, options);
  let signer: NoteSignerKey;
  let source: string;
  if (options.checkpoints.signingKey) {
    signer = parseKey(options.checkpoints.signingKey, "ASSAY_STORE_SIGNING_KEY");
    source = "the environment (ASSAY_STORE_SIGNING_KEY)";
  } else {
    source = keyFilePath(options);
    signer = readOrCreateKeyFile(source, origin);
  }
  const vkey = formatNoteVerifierKey(signer);
  await db
    .insertInto("store_keys")
    .values({
      vkey,
      key_id: formatKeyId(signer.keyId),
      name: signer.name,
      created_at: now.toISOString(),
      retired_at: null,
    })
    .onConflict((oc) => oc.column("vkey").doNothing())
    .execute();
  return { signer, origin, vkey, source };
}

export function keyFilePath(options: StoreOptions): string {
  return resolve(options.checkpoints.keyFile ?? join(options.dataDir, DEFAULT_KEY_FILE));
}

/** The origin line: configured, or the one chosen at random for this store by migration 0005. */
export async function storeOrigin(db: Kysely<Database>, options: StoreOptions): Promise<string> {
  if (options.checkpoints.origin) return options.checkpoints.origin;
  const row = await db
    .selectFrom("store_meta")
    .select("value")
    .where("name", "=", "origin")
    .executeTakeFirstOrThrow();
  return row.value;
}

/** Every key that has been the store's signing key, newest first (retired ones still verify). */
export async function listStoreKeys(
  db: Kysely<Database>,
): Promise<{ vkey: string; createdAt: string; retiredAt: string | null }[]> {
  const rows = await db.selectFrom("store_keys").selectAll().orderBy("created_at", "desc").execute();
  return rows.map((r) => ({ vkey: r.vkey, createdAt: r.created_at, retiredAt: r.retired_at }));
}

/**
 * Rotation: a new key takes the file's place, the old one is kept beside it (`<file>.<hexid>.retired`, 0600)
 * and marked retired in `store_keys`. Only for a key kept in a file; a key from the environment is
 * rotated by giving every store process the new value (the old public key stays listed).
 */
export async function rotateStoreKey(
  db: Kysely<Database>,
  options: StoreOptions,
  now: Date,
): Promise<{ old: string; current: StoreSigner }> {
  if (options.checkpoints.signingKey) {
    throw new AssayError(
      "STORE_KEY_FROM_ENVIRONMENT",
      "The signing key comes from ASSAY_STORE_SIGNING_KEY: rotate it by giving the store a new value.",
    );
  }
  const old = await loadStoreSigner(db, options, now);
  const file = keyFilePath(options);
  renameSync(file, `${file}.${formatKeyId(old.signer.keyId)}.retired`);
  await db
    .updateTable("store_keys")
    .set({ retired_at: now.toISOString() })
    .where("vkey", "=", old.vkey)
    .execute();
  const current = await loadStoreSigner(db, options, now);
  return { old: old.vkey, current };
}

function readOrCreateKeyFile(file: string, name: string): NoteSignerKey {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let fd: number | undefined;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw unreadable(file, error);
  }
  if (fd !== undefined) {
    const { privateKey } = generateKeyPairSync("ed25519");
    const signer = noteSignerFromPrivateKey(name, privateKey);
    try {
      writeSync(fd, `${formatNoteSignerKey(signer)}\n`);
    } finally {
      closeSync(fd);
    }
    return signer;
  }
  let text: string;
  try {
    // An existing key file is the store's secret: tightened to 0600 like the database.
    chmodSync(file, 0o600);
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw unreadable(file, error);
  }
  return parseKey(text, file);
}

function parseKey(text: string, where: string): NoteSignerKey {
  try {
    return parseNoteSignerKey(text);
  } catch (error) {
    throw new AssayError(
      "STORE_SIGNING_KEY_INVALID",
      `The store signing key in ${where} is not a signer key string (PRIVATE+KEY+<name>+<hex id>+<base64>): ${(error as Error).message}`,
    );
  }
}

function unreadable(file: string, error: unknown): AssayError {
  return new AssayError(
    "STORE_SIGNING_KEY_UNREADABLE",
    `Cannot read or create the store signing key ${file}.`,
    {
      cause: error,
    },
  );
}
