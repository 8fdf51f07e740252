import type { CelAstNode, CompiledExpression } from "./cel.js";

/**
 * Most rule expressions are field reads, comparisons and boolean logic over JSON facts. cel-js interprets
 * its AST with full type dispatch on every evaluation, which caps rule evaluation well below a million per
 * second. This module compiles that common subset to generated functions, and keeps cel-js as the authority:
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

/**
 * Compile an expression to one generated JavaScript function, or return undefined when it uses something
 * outside the subset. One function per expression (rather than a tree of shared closures) gives V8
 * monomorphic call sites and lets it inline the small helpers below. Only fixed code shapes are emitted:
 * every literal and field name reaches the generated code through the constants array `K`, never as source.
 */
export function compileNode(node: CelAstNode): Fast | undefined {
  const emitter = new Emitter();
  const body = emitter.emit(node);
  if (body === undefined) return undefined;
  const temps = emitter.temps > 0 ? `let ${Array.from({ length: emitter.temps }, (_, i) => `t${i}`)};` : "";
  const constants = emitter.constants.map((_, i) => `k${i} = K[${i}]`).join(", ");
  const source = `${constants ? `const ${constants};` : ""} return function fast(c) { ${temps} return ${body}; };`;
  const factory = new Function("K", "F", "EQ", "LT", "LE", "GT", "GE", "OBJ", "SIZE", "H", source) as (
    ...helpers: unknown[]
  ) => Fast;
  return factory(emitter.constants, field, equal, lt, le, gt, ge, plainObject, size, handBack);
}

class Emitter {
  readonly constants: unknown[] = [];
  temps = 0;

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k${this.constants.length - 1}`;
  }

  private temp(): string {
    return `t${this.temps++}`;
  }

  /** The JavaScript expression for a node, or undefined when the node is outside the subset. */
  emit(node: CelAstNode): string | undefined {
    const args = node.args;
    switch (node.op) {
      case "id":
        return args === "resource" ? "c.resource" : undefined;
      case "value": {
        const value = literal(args);
        return value === undefined ? undefined : this.constant(value.value);
      }
      case "-_": {
        const inner = isNode(args) && args.op === "value" ? literal(args.args) : undefined;
        return inner && typeof inner.value === "number" ? this.constant(-inner.value) : undefined;
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
        const from = isNode(target) ? this.emit(target) : undefined;
        if (typeof name !== "string" || name === "__proto__" || from === undefined) return undefined;
        return `F(${from}, ${this.constant(name)})`;
      }
      case "==":
      case "!=": {
        const pair = this.pair(args);
        if (!pair) return undefined;
        return `${node.op === "!=" ? "!" : ""}EQ(${pair[0]}, ${pair[1]})`;
      }
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const pair = this.pair(args);
        if (!pair) return undefined;
        return `${ORDER_HELPERS[node.op]}(${pair[0]}, ${pair[1]})`;
      }
      case "&&":
      case "||": {
        const pair = this.pair(args);
        if (!pair) return undefined;
        // CEL's && / || short-circuit on a decisive left side; anything but booleans is cel-js's to judge.
        const [l, r] = [this.temp(), this.temp()];
        const decisive = node.op === "&&" ? "false" : "true";
        const other = node.op === "&&" ? "true" : "false";
        return `((${l} = ${pair[0]}) === ${decisive} ? ${decisive} : (${r} = ${pair[1]}, ${l} === ${other} && typeof ${r} === "boolean" ? ${r} : H()))`;
      }
      case "!_": {
        const inner = isNode(args) ? this.emit(args) : undefined;
        if (inner === undefined) return undefined;
        const t = this.temp();
        return `(typeof (${t} = ${inner}) === "boolean" ? !${t} : H())`;
      }
      case "?:": {
        const parts = (Array.isArray(args) ? args : []).map((a) => (isNode(a) ? this.emit(a) : undefined));
        const [cond, then, otherwise] = parts;
        if (parts.length !== 3 || cond === undefined || then === undefined || otherwise === undefined)
          return undefined;
        const t = this.temp();
        return `((${t} = ${cond}) === true ? ${then} : ${t} === false ? ${otherwise} : H())`;
      }
      case "call": {
        const [name, callArgs] = args as [string, unknown[]];
        if (!Array.isArray(callArgs) || callArgs.length !== 1 || !isNode(callArgs[0])) return undefined;
        const arg = callArgs[0];
        if (name === "has" && arg.op === ".") {
          const [target, key] = arg.args as [CelAstNode, unknown];
          const from = isNode(target) ? this.emit(target) : undefined;
          if (from === undefined || typeof key !== "string") return undefined;
          return `Object.hasOwn(OBJ(${from}), ${this.constant(key)})`;
        }
        if (name === "size") {
          const inner = this.emit(arg);
          return inner === undefined ? undefined : `SIZE(${inner})`;
        }
        return undefined;
      }
      case "rcall": {
        const [name, target, callArgs] = args as [string, unknown, unknown[]];
        if (name !== "size" || !Array.isArray(callArgs) || callArgs.length !== 0 || !isNode(target))
          return undefined;
        const inner = this.emit(target);
        return inner === undefined ? undefined : `SIZE(${inner})`;
      }
      default:
        return undefined;
    }
  }

  private pair(args: unknown): [string, string] | undefined {
    if (!Array.isArray(args) || !isNode(args[0]) || !isNode(args[1])) return undefined;
    const left = this.emit(args[0]);
    const right = this.emit(args[1]);
    return left === undefined || right === undefined ? undefined : [left, right];
  }
}

/** A literal the fast path can hold exactly, wrapped so that `null` is distinguishable from "not a literal". */
function literal(value: unknown): { value: number | string | boolean | null } | undefined {
  if (typeof value === "bigint") {
    // Beyond 2^53 a number cannot stand for the integer exactly; leave such literals to cel-js.
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
    return { value: Number(value) };
  }
  if (
    typeof value === "number" ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    value === null
  ) {
    return { value };
  }
  return undefined;
}

function handBack(): never {
  throw HAND_BACK;
}

function size(value: unknown): number {
  if (!Array.isArray(value)) throw HAND_BACK;
  return value.length;
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

const ORDER_HELPERS: Record<string, string> = { "<": "LT", "<=": "LE", ">": "GT", ">=": "GE" };

/** Numbers only: CEL orders strings by code point, JavaScript by UTF-16 unit, so strings go to cel-js. */
function numbers(a: unknown, b: unknown): void {
  if (typeof a !== "number" || typeof b !== "number" || Number.isNaN(a) || Number.isNaN(b)) throw HAND_BACK;
}

function lt(a: number, b: number): boolean {
  numbers(a, b);
  return a < b;
}

function le(a: number, b: number): boolean {
  numbers(a, b);
  return a <= b;
}

function gt(a: number, b: number): boolean {
  numbers(a, b);
  return a > b;
}

function ge(a: number, b: number): boolean {
  numbers(a, b);
  return a >= b;
}

function isNode(value: unknown): value is CelAstNode {
  return typeof value === "object" && value !== null && "op" in value;
}
