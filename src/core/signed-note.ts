import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";

/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures, and the transparency-log checkpoint body
 * they carry (c2sp.org/tlog-checkpoint). Keys use the verifier/signer key strings of golang.org/x/mod/sumdb/note
 * (`name+hexid+base64(0x01‖key)`), so any tool of that ecosystem (witnesses, `note` verifiers) reads ours.
 */

const ED25519_TYPE = 0x01;
// DER prefixes that wrap a raw 32-byte Ed25519 seed / public key as PKCS#8 / SPKI for node:crypto.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface NoteVerifierKey {
  name: string;
  keyId: number;
  publicKey: KeyObject;
  /** The 32 raw bytes of the Ed25519 public key. */
  raw: Uint8Array;
}

export interface NoteSignerKey extends NoteVerifierKey {
  privateKey: KeyObject;
}

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** Extension lines, if any (opaque). */
  extensions: string[];
}

export class NoteError extends Error {
  readonly code = "NOTE_INVALID";
}

/** key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian. */
export function noteKeyId(name: string, rawPublicKey: Uint8Array): number {
  const digest = createHash("sha256")
    .update(name)
    .update(Uint8Array.of(0x0a, ED25519_TYPE))
    .update(rawPublicKey)
    .digest();
  return digest.readUInt32BE(0);
}

/** A signer key for `name` from an Ed25519 private key (KeyObject or PEM). */
export function noteSignerFromPrivateKey(name: string, privateKey: KeyObject | string): NoteSignerKey {
  checkKeyName(name);
  const key = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== "ed25519") throw new NoteError("a note signing key must be an Ed25519 key");
  const publicKey = createPublicKey(key);
  const raw = rawPublicKey(publicKey);
  return { name, keyId: noteKeyId(name, raw), publicKey, raw, privateKey: key };
}

/** `PRIVATE+KEY+name+hexid+base64(0x01‖seed)` (the sumdb/note signer key string). */
export function parseNoteSignerKey(text: string): NoteSignerKey {
  const parts = text.trim().split("+");
  if (parts.length < 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY") {
    throw new NoteError("a signer key reads PRIVATE+KEY+<name>+<hex id>+<base64 key>");
  }
  const name = parts[2] as string;
  const seed = decodeTypedKey(parts.slice(4).join("+"));
  const signer = noteSignerFromPrivateKey(
    name,
    createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" }),
  );
  if (formatKeyId(signer.keyId) !== parts[3])
    throw new NoteError(`signer key id ${parts[3]} does not match its key`);
  return signer;
}

/** `PRIVATE+KEY+name+hexid+base64(0x01‖seed)`: the form a signer key is kept in (a secret). */
export function formatNoteSignerKey(key: NoteSignerKey): string {
  const der = key.privateKey.export({ format: "der", type: "pkcs8" });
  const seed = der.subarray(der.length - 32);
  return `PRIVATE+KEY+${key.name}+${formatKeyId(key.keyId)}+${Buffer.concat([Uint8Array.of(ED25519_TYPE), seed]).toString("base64")}`;
}

/** `name+hexid+base64(0x01‖key)`: what `assay store key` prints and an auditor pins. */
export function formatNoteVerifierKey(key: NoteVerifierKey): string {
  return `${key.name}+${formatKeyId(key.keyId)}+${Buffer.concat([Uint8Array.of(ED25519_TYPE), key.raw]).toString("base64")}`;
}

export function parseNoteVerifierKey(text: string): NoteVerifierKey {
  const trimmed = text.trim();
  const first = trimmed.indexOf("+");
  const second = trimmed.indexOf("+", first + 1);
  if (first <= 0 || second < 0) throw new NoteError("a verifier key reads <name>+<hex id>+<base64 key>");
  const name = trimmed.slice(0, first);
  checkKeyName(name);
  const id = trimmed.slice(first + 1, second);
  const raw = decodeTypedKey(trimmed.slice(second + 1));
  const keyId = noteKeyId(name, raw);
  if (formatKeyId(keyId) !== id) throw new NoteError(`verifier key id ${id} does not match its key`);
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
  return { name, keyId, publicKey, raw };
}

/** The note: text (ending in a newline), a blank line, one signature line. */
export function signNote(text: string, signer: NoteSignerKey): string {
  checkNoteText(text);
  const signature = sign(null, Buffer.from(text, "utf8"), signer.privateKey);
  const blob = Buffer.alloc(4 + signature.length);
  blob.writeUInt32BE(signer.keyId, 0);
  signature.copy(blob, 4);
  return `${text}\n— ${signer.name} ${blob.toString("base64")}\n`;
}

/**
 * Opens a note signed by `key`: returns its text when a signature line of that key name and id verifies.
 * Signatures of other keys are ignored (as the spec requires); a bad signature of this key is an error.
 */
export function openNote(note: string, key: NoteVerifierKey): string {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n"))
    throw new NoteError("not a signed note: no blank line before the signatures");
  const text = note.slice(0, split + 1);
  checkNoteText(text);
  const lines = note.slice(split + 2, -1).split("\n");
  let verified = false;
  for (const line of lines) {
    const match = /^— (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!match) throw new NoteError(`malformed signature line: ${JSON.stringify(line.slice(0, 80))}`);
    const blob = Buffer.from(match[2] as string, "base64");
    if (match[1] !== key.name || blob.length < 4 || blob.readUInt32BE(0) !== key.keyId) continue;
    if (!verify(null, Buffer.from(text, "utf8"), key.publicKey, blob.subarray(4))) {
      throw new NoteError(`the signature of ${key.name} does not verify`);
    }
    verified = true;
  }
  if (!verified)
    throw new NoteError(`the note carries no signature of ${key.name}+${formatKeyId(key.keyId)}`);
  return text;
}

export function formatCheckpoint(
  checkpoint: Omit<Checkpoint, "extensions"> & { extensions?: string[] },
): string {
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0)
    throw new NoteError("tree size must be a whole number");
  if (!checkpoint.origin || /[\s+]/u.test(checkpoint.origin))
    throw new NoteError("a checkpoint origin has no spaces or +");
  const lines = [
    checkpoint.origin,
    String(checkpoint.size),
    Buffer.from(checkpoint.rootHash).toString("base64"),
  ];
  for (const ext of checkpoint.extensions ?? []) {
    if (!ext || ext.includes("\n"))
      throw new NoteError("a checkpoint extension line must be one non-empty line");
    lines.push(ext);
  }
  return `${lines.join("\n")}\n`;
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith("\n")) throw new NoteError("a checkpoint ends with a newline");
  const lines = text.slice(0, -1).split("\n");
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!origin || sizeText === undefined || rootText === undefined)
    throw new NoteError("a checkpoint has at least three lines");
  if (!/^(0|[1-9][0-9]*)$/u.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new NoteError(`checkpoint tree size ${JSON.stringify(sizeText)} is not a decimal number`);
  }
  const rootHash = Buffer.from(rootText, "base64");
  if (rootHash.length !== 32 || rootHash.toString("base64") !== rootText) {
    throw new NoteError("checkpoint root hash is not the base64 of 32 bytes");
  }
  if (extensions.some((e) => e === "")) throw new NoteError("checkpoint extension lines must be non-empty");
  return { origin, size: Number(sizeText), rootHash: new Uint8Array(rootHash), extensions };
}

export function formatKeyId(id: number): string {
  return id.toString(16).padStart(8, "0");
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(der.length - 32));
}

function decodeTypedKey(b64: string): Buffer {
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length !== 33 || bytes[0] !== ED25519_TYPE || bytes.toString("base64") !== b64) {
    throw new NoteError("the key is not base64 of 0x01 followed by a 32-byte Ed25519 key");
  }
  return bytes.subarray(1);
}

function checkKeyName(name: string): void {
  if (!name || /[\s+]/u.test(name))
    throw new NoteError(`key name ${JSON.stringify(name)} must be non-empty with no spaces or +`);
}

function checkNoteText(text: string): void {
  if (!text.endsWith("\n")) throw new NoteError("note text must end with a newline");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the spec forbids exactly these characters
  if (/[\u0000-\u0009\u000b-\u001f]/u.test(text))
    throw new NoteError("note text must not contain control characters");
}
