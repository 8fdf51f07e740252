import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ulid } from "ulid";

/**
 * Bearer tokens are `<prefix>_<id>.<secret>`: the id finds the row, the 256-bit secret proves possession.
 * Only SHA-256 of the secret is stored (a high-entropy secret needs no slow hash) and it is compared in
 * constant time, so neither the database nor response timing reveals a token.
 */
export type TokenKind = "agent" | "person";
const PREFIX: Record<TokenKind, string> = { agent: "asa", person: "asp" };

export interface IssuedToken {
  id: string;
  token: string;
  hash: string;
}

export function issueToken(kind: TokenKind, id: string = ulid()): IssuedToken {
  const secret = randomBytes(32).toString("base64url");
  return { id, token: `${PREFIX[kind]}_${id}.${secret}`, hash: sha256Hex(secret) };
}

export interface ParsedToken {
  kind: TokenKind;
  id: string;
  secret: string;
}

const TOKEN_PATTERN = /^(asa|asp)_([0-9A-Z]{26})\.([A-Za-z0-9_-]{43})$/;

export function parseToken(token: string): ParsedToken | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return undefined;
  return { kind: match[1] === "asa" ? "agent" : "person", id: match[2]!, secret: match[3]! };
}

export function secretMatches(secret: string, storedHashHex: string): boolean {
  const given = createHash("sha256").update(secret).digest();
  const stored = Buffer.from(storedHashHex, "hex");
  return stored.length === given.length && timingSafeEqual(given, stored);
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
