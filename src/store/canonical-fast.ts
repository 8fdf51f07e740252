/**
 * The same canonical JSON as src/core/canonical.ts (sorted keys by UTF-16 code units, no whitespace,
 * undefined members dropped, undefined array items as null), written without intermediate arrays of
 * entries: ingest serialises every report twice over (signed form and stored form) and this is its
 * hottest loop. test/store/canonical-fast.test.ts checks it byte for byte against the core version.
 *
 * `levelsLeft` bounds the recursion: an array or object needs one level, and with none left
 * JsonTooDeepError is thrown instead of recursing on (a body thousands deep would overflow the stack).
 */
export function fastCanonicalJson(value: unknown, levelsLeft = Number.POSITIVE_INFINITY): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonical JSON cannot hold NaN or Infinity");
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "object": {
      if (value === null) return "null";
      if (levelsLeft < 1 && !(value instanceof Date)) throw new JsonTooDeepError();
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          const item: unknown = value[i];
          out += item === undefined ? "null" : fastCanonicalJson(item, levelsLeft - 1);
        }
        return `${out}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const record = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, the same order as the core's `a < b` comparator.
      const keys = Object.keys(record).sort();
      let out = "{";
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ",";
        first = false;
        out += `${JSON.stringify(key)}:${fastCanonicalJson(member, levelsLeft - 1)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
  }
}

/** Thrown by fastCanonicalJson when a value nests deeper than it was allowed to go. */
export class JsonTooDeepError extends Error {
  constructor() {
    super("the value nests arrays and objects deeper than allowed");
  }
}
