import type { z } from "zod";

/**
 * Whether an attribute path exists in a facts schema. `[]` steps into a list element, `*` is a computed
 * map key. Records accept any key; `unknown` accepts anything beneath it.
 */
export function schemaHasPath(schema: z.ZodType, path: readonly string[]): boolean {
  return resolve(schema, path, 0);
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def;
}

function resolve(schema: z.ZodType, path: readonly string[], index: number): boolean {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return def.innerType ? resolve(def.innerType, path, index) : true;
    case "pipe":
      return def.in ? resolve(def.in, path, index) : true;
    case "union":
      return (def.options ?? []).some((option) => resolve(option, path, index));
    case "intersection":
      return (
        (!!def.left && resolve(def.left, path, index)) || (!!def.right && resolve(def.right, path, index))
      );
    case "unknown":
    case "any":
      return true;
    default:
      break;
  }
  if (index === path.length) return true;
  const step = path[index] as string;
  switch (def.type) {
    case "object": {
      const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
      const child = shape[step];
      return child ? resolve(child, path, index + 1) : false;
    }
    case "record":
      return def.valueType ? resolve(def.valueType, path, index + 1) : true;
    case "array":
      return step === "[]" && def.element ? resolve(def.element, path, index + 1) : false;
    default:
      return false;
  }
}
