import { isUtf8 } from "node:buffer";
import { HttpError } from "./http-error.js";

/*
 * What the store accepts as input, checked before anything is parsed deeply or stored. Everything it
 * accepts must come back byte for byte from either database and re-verify (signature, content hash):
 * PostgreSQL cannot hold NUL in text, a lone surrogate has no UTF-8 form (it would be stored as U+FFFD
 * and break the hash), and control characters are refused so that what an auditor reads is what was
 * signed. Each refusal is a 400 naming the field as a dotted JSON path (`findings.3.message`), the same
 * form zod's issues use.
 */

/** The deepest nesting of arrays and objects a body may have (a report is about 8 deep). */
export const MAX_JSON_DEPTH = 64;
/** The earliest time a report may carry: anything before is a broken clock or a forgery. */
export const EARLIEST_TIMESTAMP = "2000-01-01T00:00:00.000Z";
/** How far ahead of the store's clock a report's times may be (clock skew of a device). */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * Control characters other than tab, line feed and carriage return (Unicode category Cc: C0, DEL, C1),
 * and lone surrogates (with the `u` flag a surrogate only matches when it is not half of a pair).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/u;

/**
 * The same characters as they appear in JSON text written by JSON.stringify: C0 controls as `\u00XX`
 * or `\b`/`\f` (tab, LF and CR are `\t` `\n` `\r` and allowed), a lone surrogate as `\udXXX`, DEL
 * and C1 raw. The lookbehind and the pairs of backslashes make sure the escape is not itself an
 * escaped backslash followed by text (`"C:\\bin"`). One scan of the canonical text a report already
 * needs is much cheaper than visiting each of its strings.
 */
const UNSTORABLE_IN_JSON = /(?<!\\)(?:\\\\)*\\(?:u00[01]|[bf]|ud[89a-f])|[\u007F-\u009F]/i;

/** Decodes a body, refusing bytes that are not UTF-8 (Buffer#toString would turn them into U+FFFD). */
export function decodeUtf8Body(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString("utf8");
  const offset = firstInvalidUtf8(bytes);
  const before = bytes.subarray(0, offset).toString("utf8");
  const field = jsonPathAt(before);
  throw new HttpError(
    400,
    "STORE_INVALID_UTF8",
    `The request body is not valid UTF-8 (byte ${offset}${field ? `, in field ${field}` : ""}).`,
    field || "(root)",
  );
}

/**
 * Refuses JSON text nested deeper than MAX_JSON_DEPTH, in one pass over the text before parsing; used
 * for the small bodies of the other routes. A report is instead bounded by its first walk (prepare.ts):
 * a body thousands of levels deep overflowed the stack of the canonical serialiser (500 inline), or,
 * accepted on a worker's larger stack, overflowed the main thread's structured clone of the checked
 * report: a 'messageerror' nobody heard, so the request was never answered.
 */
export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        const field = jsonPathAt(text.slice(0, i));
        throw new HttpError(
          400,
          "STORE_JSON_TOO_DEEP",
          `The request body nests arrays and objects more than ${max} deep (at ${field || "(root)"}).`,
          field || "(root)",
        );
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/**
 * For text written by JSON.stringify (the canonical form of a report): refuses it, naming the field in
 * `value` (the parsed form of the same document), when a string in it cannot be stored faithfully.
 */
export function assertStorableJson(json: string, value: unknown, what: string): void {
  if (UNSTORABLE_IN_JSON.test(json)) assertStorable(value, what);
}

/** The 400 for a parsed value nesting deeper than `max`, naming the first container beyond it. */
export function tooDeep(value: unknown, max = MAX_JSON_DEPTH): HttpError {
  const path: (string | number)[] = [];
  const find = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v !== "object") return false;
    if (depth > max) return true;
    for (const [key, child] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
      path.push(key);
      if (find(child, depth + 1)) return true;
      path.pop();
    }
    return false;
  };
  find(value, 1);
  const field = path.join(".") || "(root)";
  return new HttpError(
    400,
    "STORE_JSON_TOO_DEEP",
    `The request body nests arrays and objects more than ${max} deep (at ${field}).`,
    field,
  );
}

/**
 * Throws a 400 naming the first string or member name that cannot be stored faithfully. `code` lets
 * parseInput keep its one code (STORE_BAD_REQUEST) for every invalid query, path or small body.
 */
export function assertStorable(value: unknown, what: string, code = "STORE_UNSTORABLE_TEXT"): void {
  // One shared path stack, copied only when something is found: this walk runs on every report.
  const path: (string | number)[] = [];
  const reason = findUnstorable(value, path);
  if (reason === undefined) return;
  const field = path.join(".") || "(root)";
  throw new HttpError(
    400,
    code,
    `Invalid ${what}: ${field}: ${reason}; the store keeps text exactly as signed and cannot hold it.`,
    field,
  );
}

/** The reason the first unstorable text is refused, with `path` left pointing at it; else undefined. */
function findUnstorable(value: unknown, path: (string | number)[]): string | undefined {
  if (typeof value === "string") {
    const match = UNSTORABLE.exec(value);
    return match ? describe(match[0], match.index) : undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const found = findUnstorable(value[i], path);
      if (found !== undefined) return found;
      path.pop();
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    path.push(key);
    const inKey = UNSTORABLE.exec(key);
    if (inKey) return `the member name has ${describe(inKey[0], inKey.index)}`;
    const found = findUnstorable((value as Record<string, unknown>)[key], path);
    if (found !== undefined) return found;
    path.pop();
  }
  return undefined;
}

function describe(char: string, index: number): string {
  const code = char.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  const kind =
    code >= 0xd800 && code <= 0xdfff
      ? "a lone surrogate (half of a character, e.g. a truncated emoji)"
      : "a control character";
  return `${kind} ${hex} at character ${index}`;
}

/** Refuses report times outside [EARLIEST_TIMESTAMP, receivedAt + MAX_FUTURE_SKEW_MS] and finish before start. */
export function checkReportTimes(
  report: { startedAt: string; finishedAt: string; resources: { collectedAt: string }[] },
  receivedAt: Date,
): void {
  const latest = receivedAt.getTime() + MAX_FUTURE_SKEW_MS;
  const earliest = Date.parse(EARLIEST_TIMESTAMP);
  const inWindow = (iso: string, field: string) => {
    const t = Date.parse(iso);
    if (Number.isNaN(t) || t < earliest || t > latest) {
      throw new HttpError(
        400,
        "STORE_TIMESTAMP_OUT_OF_RANGE",
        `${field} ${iso} is outside the accepted window (from ${EARLIEST_TIMESTAMP} to one day after the store's clock, now ${receivedAt.toISOString()}).`,
        field,
      );
    }
    return t;
  };
  const started = inWindow(report.startedAt, "startedAt");
  const finished = inWindow(report.finishedAt, "finishedAt");
  if (finished < started) {
    throw new HttpError(
      400,
      "STORE_TIMESTAMP_ORDER",
      `finishedAt ${report.finishedAt} is before startedAt ${report.startedAt}.`,
      "finishedAt",
    );
  }
  report.resources.forEach((r, i) => {
    inWindow(r.collectedAt, `resources.${i}.collectedAt`);
  });
}

/**
 * The dotted path of the value being written at the end of `text`, a prefix of a JSON document. Only
 * used to name the field of a refusal, so it favours simplicity over speed.
 */
export function jsonPathAt(text: string): string {
  // One frame per open container: an array's current index, or an object's current member name
  // (`expectKey` while the next string is a name rather than a value).
  const frames: { array: boolean; index: number; key: string | undefined; expectKey: boolean }[] = [];
  let inString = false;
  let stringStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = frames.at(-1);
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') {
        inString = false;
        if (top && !top.array && top.expectKey) top.key = decodeJsonString(text.slice(stringStart, i + 1));
      }
    } else if (c === '"') {
      inString = true;
      stringStart = i;
    } else if (c === "{") frames.push({ array: false, index: 0, key: undefined, expectKey: true });
    else if (c === "[") frames.push({ array: true, index: 0, key: undefined, expectKey: false });
    else if (c === "}" || c === "]") frames.pop();
    else if (c === ":" && top) top.expectKey = false;
    else if (c === "," && top) {
      if (top.array) top.index++;
      else {
        top.key = undefined;
        top.expectKey = true;
      }
    }
  }
  // An unfinished string in name position is the member name being written.
  const top = frames.at(-1);
  if (inString && top && !top.array && top.expectKey) top.key = text.slice(stringStart + 1);
  return frames
    .filter((f) => f.array || f.key !== undefined)
    .map((f) => (f.array ? String(f.index) : f.key))
    .join(".");
}

function decodeJsonString(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cont = bytes[i + k];
      if (cont === undefined || (cont & 0xc0) !== 0x80) return i;
      code = (code << 6) | (cont & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}
