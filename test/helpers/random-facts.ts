import type { z } from "zod";

/**
 * Random facts shaped by a facts schema, from a fixed seed, for differential tests of the fast path against
 * cel-js. Values come from small pools that include the literals of the expression under test, so equality
 * and ordering comparisons go both ways. Optional keys are sometimes absent, nullable values sometimes null.
 * The caller keeps only what the schema accepts (regexes and refinements are not generated for).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
  format?: string;
  checks?: { _zod?: { def?: { check?: string; format?: string } } }[];
}

export interface Pools {
  strings: string[];
  numbers: number[];
}

export function randomFacts(schema: z.ZodType, random: () => number, pools: Pools): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const generate = (current: z.ZodType, depth: number): unknown => {
    const def = (current as unknown as { def: Def }).def;
    switch (def.type) {
      case "optional":
        return random() < 0.25 ? undefined : generate(def.innerType as z.ZodType, depth);
      case "nullable":
        return random() < 0.2 ? null : generate(def.innerType as z.ZodType, depth);
      case "default":
      case "prefault":
      case "readonly":
      case "nonoptional":
      case "catch":
        return generate(def.innerType as z.ZodType, depth);
      case "pipe":
        return generate(def.in as z.ZodType, depth);
      case "boolean":
        return random() < 0.5;
      case "number": {
        const isInt =
          (def.checks ?? []).some((c) => c._zod?.def?.format === "safeint") || def.format === "safeint";
        const n = random() < 0.7 ? pick(pools.numbers) : Math.floor(random() * 2000) - 100;
        return isInt ? Math.trunc(n) : random() < 0.2 ? n + 0.5 : n;
      }
      case "string": {
        const format = def.format ?? (def.checks ?? []).map((c) => c._zod?.def?.format).find(Boolean);
        if (format === "datetime")
          return pick(["2026-01-01T00:00:00Z", "2025-06-01T12:00:00.000Z", "2026-05-31T23:59:59Z"]);
        return pick(pools.strings);
      }
      case "enum":
        return pick(Object.values(def.entries ?? {}));
      case "literal":
        return pick(def.values ?? [null]);
      case "array": {
        const length = depth > 4 ? 0 : Math.floor(random() * 4);
        return Array.from({ length }, () => generate(def.element as z.ZodType, depth + 1));
      }
      case "object": {
        const shape = (current as unknown as { shape: Record<string, z.ZodType> }).shape;
        const out: Record<string, unknown> = {};
        for (const [key, child] of Object.entries(shape)) {
          const value = generate(child, depth + 1);
          if (value !== undefined) out[key] = value;
        }
        return out;
      }
      case "record": {
        const out: Record<string, unknown> = {};
        const count = depth > 4 ? 0 : Math.floor(random() * 3);
        for (let i = 0; i < count; i++) {
          const value = generate(def.valueType as z.ZodType, depth + 1);
          if (value !== undefined) out[pick(pools.strings) || `k${i}`] = value;
        }
        return out;
      }
      case "union":
        return generate(pick(def.options ?? []), depth);
      case "unknown":
      case "any":
        return pick<unknown>([null, true, 1, "a", [], {}]);
      default:
        return undefined;
    }
  };
  return generate(schema, 0);
}
