import type { z } from "zod";
import { ProfileValuesSchema } from "../core/profile.js";
import { ResourceSchema } from "../core/resource.js";

/**
 * The first step of a TypeOf path that reads the `profile` variable instead of `resource`: a name no Resource
 * member can have, so the two never collide.
 */
export const PROFILE_ROOT = "$profile";

/**
 * What the facts schemas say about a value a rule reads, for the two static decisions made when a rule is
 * compiled: `rules lint` reports comparisons between values of different kinds (`ruleCount > "3"`), and the
 * fast path compiles only expressions whose every read has one known primitive kind.
 */
export type FactKind = "bool" | "number" | "string" | "list" | "map";

export interface FactType {
  kind: FactKind;
  /** The key may be absent (an optional field, a record entry): reading it can raise "No such key". */
  optional: boolean;
  /** The value may be `null`. */
  nullable: boolean;
}

/**
 * The type at a path below `resource` (`["attributes", "firewall", "enabled"]`, `["name"]`; `[]` steps into a
 * list element), or undefined when the schemas do not pin it to one kind (a union of kinds, `unknown`, or
 * resource types whose schemas disagree).
 */
export type TypeOf = (path: readonly string[]) => FactType | undefined;

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def;
}

interface Resolved {
  schema: z.ZodType;
  optional: boolean;
  nullable: boolean;
}

/** Strip wrappers, noting whether the value may be absent or null. */
function unwrap(schema: z.ZodType): Resolved | undefined {
  let optional = false;
  let nullable = false;
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.type === "optional" || def.type === "default" || def.type === "prefault") optional = true;
    else if (def.type === "nullable") nullable = true;
    else if (
      def.type !== "readonly" &&
      def.type !== "nonoptional" &&
      def.type !== "pipe" &&
      def.type !== "catch"
    )
      return { schema: current, optional, nullable };
    const inner = def.type === "pipe" ? def.in : def.innerType;
    if (!inner) return undefined;
    current = inner;
  }
}

function kindOf(schema: z.ZodType): FactKind | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case "boolean":
      return "bool";
    case "number":
      return "number";
    case "string":
    case "enum":
      return def.type === "enum" && !Object.values(def.entries ?? {}).every((v) => typeof v === "string")
        ? undefined
        : "string";
    case "literal": {
      const kinds = new Set((def.values ?? []).map((v) => typeof v));
      if (kinds.size !== 1) return undefined;
      const [kind] = kinds;
      return kind === "string"
        ? "string"
        : kind === "boolean"
          ? "bool"
          : kind === "number"
            ? "number"
            : undefined;
    }
    case "array":
      return "list";
    case "object":
    case "record":
      return "map";
    case "union": {
      const kinds = new Set(
        (def.options ?? []).map((o) => unwrap(o)).map((r) => (r ? kindOf(r.schema) : undefined)),
      );
      return kinds.size === 1 ? [...kinds][0] : undefined;
    }
    default:
      return undefined;
  }
}

/** The schema one step below `schema`, or undefined when the step is not a single known schema. */
function child(schema: z.ZodType, step: string): Resolved | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      const next = (schema as unknown as { shape: Record<string, z.ZodType> }).shape[step];
      return next ? unwrap(next) : undefined;
    }
    case "record": {
      const resolved = def.valueType ? unwrap(def.valueType) : undefined;
      // Any key may be missing from a record.
      return resolved && step !== "[]" ? { ...resolved, optional: true } : undefined;
    }
    case "array":
      return step === "[]" && def.element ? unwrap(def.element) : undefined;
    default:
      return undefined;
  }
}

function typeIn(schema: z.ZodType, path: readonly string[]): FactType | undefined {
  let resolved: Resolved | undefined = { schema, optional: false, nullable: false };
  for (const step of path) {
    if (!resolved) return undefined;
    resolved = child(resolved.schema, step);
  }
  if (!resolved) return undefined;
  const kind = kindOf(resolved.schema);
  return kind ? { kind, optional: resolved.optional, nullable: resolved.nullable } : undefined;
}

/**
 * TypeOf for the facts schemas of a rule's resource types: `attributes…` paths come from the facts schemas,
 * other members (`name`, `tags`, `region`) from the Resource schema, `$profile…` paths from the profile schema.
 * Several facts schemas must agree on the kind.
 */
export function typeOfFor(factsSchemas: readonly z.ZodType[]): TypeOf {
  const cache = new Map<string, FactType | undefined>();
  return (path) => {
    const key = path.join("\u0000");
    if (cache.has(key)) return cache.get(key);
    let result: FactType | undefined;
    if (path[0] === "attributes") {
      if (path.length === 1) result = { kind: "map", optional: false, nullable: false };
      else if (factsSchemas.length > 0) {
        const types = factsSchemas.map((schema) => typeIn(schema, path.slice(1)));
        const first = types[0];
        if (first && types.every((t) => t?.kind === first.kind))
          result = {
            kind: first.kind,
            optional: types.some((t) => t?.optional),
            nullable: types.some((t) => t?.nullable),
          };
      }
    } else if (path[0] === PROFILE_ROOT)
      result = typeIn(ProfileValuesSchema as unknown as z.ZodType, path.slice(1));
    else result = typeIn(ResourceSchema, path);
    cache.set(key, result);
    return result;
  };
}
