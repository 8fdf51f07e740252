import type { CelAstNode, CompiledExpression } from "./cel.js";

/**
 * Most rule expressions are field reads, comparisons and boolean logic over JSON facts. cel-js interprets
 * its AST with full type dispatch on every evaluation, which caps rule evaluation well below a million per
 * second. This module compiles that common subset to plain closures, and keeps cel-js as the authority:
 * whenever a value is not of a kind the fast path is sure about (a missing key, mixed types, an object
 * compared for equality, anything that might raise a CEL error), evaluation is handed back to cel-js for
 * that call, so results and error messages are exactly cel-js's. An expression using anything outside the
 * subset (arithmetic, timestamps, macros, `in`, …) is not compiled here at all.
 */
type Context = Parameters<CompiledExpression>[0];
type Fast = (context: Context) => unknown;

/** Thrown (never returned) inside the fast path to mean "let cel-js evaluate this call". */
const HAND_BACK: unique symbol = Symbol("hand back to cel-js");

export function withFastPath(ast: CelAstNode, cel: CompiledExpression): CompiledExpression {
  const fast = compileNode(ast);
  if (!fast) return cel;
  return (context) => {
    try {
      return fast(context);
    } catch {
      return cel(context);
    }
  };
}

/** Compile a node, or return undefined when the expression uses something outside the subset. */
export function compileNode(node: CelAstNode): Fast | undefined {
  const args = node.args;
  switch (node.op) {
    case "id":
      return args === "resource" ? (c) => c.resource : undefined;
    case "value":
      return constant(args);
    case "-_": {
      const inner = isNode(args) && args.op === "value" ? constant(args.args) : undefined;
      if (!inner) return undefined;
      const value = inner({} as Context);
      return typeof value === "number" ? () => -value : undefined;
    }
    case ".":
    case "[]": {
      const [target, key] = args as [CelAstNode, unknown];
      const name =
        node.op === "."
          ? key
          : isNode(key) && key.op === "value" && typeof key.args === "string"
            ? key.args
            : undefined;
      const from = isNode(target) ? compileNode(target) : undefined;
      if (typeof name !== "string" || name === "__proto__" || !from) return undefined;
      return (c) => field(from(c), name);
    }
    case "==":
    case "!=": {
      const [left, right] = pair(args);
      if (!left || !right) return undefined;
      return node.op === "==" ? (c) => equal(left(c), right(c)) : (c) => !equal(left(c), right(c));
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const [left, right] = pair(args);
      if (!left || !right) return undefined;
      const op = node.op;
      return (c) => order(op, left(c), right(c));
    }
    case "&&": {
      const [left, right] = pair(args);
      if (!left || !right) return undefined;
      return (c) => {
        const l = left(c);
        if (l === false) return false;
        const r = right(c);
        if (l === true && typeof r === "boolean") return r;
        throw HAND_BACK;
      };
    }
    case "||": {
      const [left, right] = pair(args);
      if (!left || !right) return undefined;
      return (c) => {
        const l = left(c);
        if (l === true) return true;
        const r = right(c);
        if (l === false && typeof r === "boolean") return r;
        throw HAND_BACK;
      };
    }
    case "!_": {
      const inner = isNode(args) ? compileNode(args) : undefined;
      if (!inner) return undefined;
      return (c) => {
        const v = inner(c);
        if (typeof v !== "boolean") throw HAND_BACK;
        return !v;
      };
    }
    case "?:": {
      const [cond, then, otherwise] = (Array.isArray(args) ? args : []).map((a) =>
        isNode(a) ? compileNode(a) : undefined,
      );
      if (!cond || !then || !otherwise) return undefined;
      return (c) => {
        const v = cond(c);
        if (v === true) return then(c);
        if (v === false) return otherwise(c);
        throw HAND_BACK;
      };
    }
    case "call": {
      const [name, callArgs] = args as [string, unknown[]];
      if (!Array.isArray(callArgs) || callArgs.length !== 1 || !isNode(callArgs[0])) return undefined;
      const arg = callArgs[0];
      if (name === "has" && arg.op === ".") {
        const [target, key] = arg.args as [CelAstNode, unknown];
        const from = isNode(target) ? compileNode(target) : undefined;
        if (!from || typeof key !== "string") return undefined;
        return (c) => Object.hasOwn(plainObject(from(c)), key);
      }
      if (name === "size") return sizeOf(compileNode(arg));
      return undefined;
    }
    case "rcall": {
      const [name, target, callArgs] = args as [string, unknown, unknown[]];
      if (name !== "size" || !Array.isArray(callArgs) || callArgs.length !== 0 || !isNode(target))
        return undefined;
      return sizeOf(compileNode(target));
    }
    default:
      return undefined;
  }
}

function constant(value: unknown): Fast | undefined {
  if (typeof value === "bigint") {
    // Beyond 2^53 a number cannot stand for the integer exactly; leave such literals to cel-js.
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
    const n = Number(value);
    return () => n;
  }
  if (
    typeof value === "number" ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    value === null
  ) {
    return () => value;
  }
  return undefined;
}

function pair(args: unknown): [Fast | undefined, Fast | undefined] {
  if (!Array.isArray(args) || !isNode(args[0]) || !isNode(args[1])) return [undefined, undefined];
  return [compileNode(args[0]), compileNode(args[1])];
}

function sizeOf(inner: Fast | undefined): Fast | undefined {
  if (!inner) return undefined;
  return (c) => {
    const v = inner(c);
    if (!Array.isArray(v)) throw HAND_BACK;
    return v.length;
  };
}

function plainObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Date)
    throw HAND_BACK;
  return value as Record<string, unknown>;
}

function field(target: unknown, name: string): unknown {
  const value = plainObject(target)[name];
  // Facts are JSON: an absent key reads undefined, and what an object inherits is a function.
  if (value === undefined || typeof value === "function") throw HAND_BACK;
  return value;
}

/** Equality only between values of one primitive kind; anything else is cel-js's to decide. */
function equal(a: unknown, b: unknown): boolean {
  const kind = typeof a;
  if (a === null || b === null) {
    if (a === null && b === null) return true;
    throw HAND_BACK;
  }
  if (kind !== typeof b || (kind !== "number" && kind !== "string" && kind !== "boolean")) throw HAND_BACK;
  if (kind === "number" && (Number.isNaN(a) || Number.isNaN(b))) throw HAND_BACK;
  return a === b;
}

/** Numbers only: CEL orders strings by code point, JavaScript by UTF-16 unit, so strings go to cel-js. */
function order(op: string, a: unknown, b: unknown): boolean {
  if (typeof a !== "number" || typeof b !== "number" || Number.isNaN(a) || Number.isNaN(b)) throw HAND_BACK;
  const x = a;
  const y = b;
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    default:
      return x >= y;
  }
}

function isNode(value: unknown): value is CelAstNode {
  return typeof value === "object" && value !== null && "op" in value;
}
