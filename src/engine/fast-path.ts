import type { CompiledExpression } from "./cel.js";
import { type CelAstNode, isCelNode } from "./cel-ast.js";
import { type FactKind, PROFILE_ROOT, type TypeOf } from "./fact-types.js";

/**
 * Most rule expressions are field reads, comparisons and boolean logic over JSON facts. cel-js interprets
 * its AST with full type dispatch on every evaluation, which caps rule evaluation well below a million per
 * second. This module compiles that common subset to one generated function per expression.
 *
 * Which expressions it compiles is decided once, when the rule is compiled, from the facts schemas of the
 * rule's resource types: every value the expression reads must have one known kind (boolean, number or
 * string, a list for `size`, a map for `has`) that is never `null`, every operator must have operands of
 * the kinds it takes (`==` between one kind, `<` between numbers, `&&` between booleans), and the whole
 * expression must be boolean. Everything else (macros, `in`, arithmetic, timestamps, string ordering, Assay's
 * functions, nullable or untyped facts) is evaluated by cel-js. A compiled expression is then evaluated only by
 * the generated function, with CEL's semantics for what the schema leaves open: an absent optional key raises
 * cel-js's "No such key" error, and `&&` / `||` absorb an error on one side when the other side decides (as
 * CEL and cel-js do). Facts are validated against the same schemas before rules read them (scan and rule
 * tests), so the generated code relies on the kinds. There is no run-time fallback: a divergence from cel-js
 * would be a bug, and test/engine/fast-path.test.ts compares both on every shipped rule's test cases and on
 * randomized facts generated from the facts schemas.
 */
type Context = Parameters<CompiledExpression>[0];
type Fast = (context: Context) => boolean;

/** A compiled sub-expression: JavaScript source, its kind, and whether it can raise "No such key". */
interface Emitted {
  code: string;
  kind: FactKind;
  mayThrow: boolean;
}

/**
 * The generated function for an expression, or undefined when the expression is outside the subset (then
 * cel-js evaluates it). Only fixed code shapes are emitted: every literal and field name reaches the generated
 * code through the constants array `K`, never as source.
 */
export function compileNode(node: CelAstNode, typeOf: TypeOf | undefined): Fast | undefined {
  if (!typeOf) return undefined;
  const emitter = new Emitter(typeOf);
  const root = emitter.emit(node);
  if (root === undefined || root.kind !== "bool") return undefined;
  const constants = emitter.constants.map((_, i) => `k${i} = K[${i}]`).join(", ");
  // Operands of an error-absorbing && / || are functions made once here, so an evaluation allocates nothing.
  const operands = emitter.operands.map((code, i) => `function g${i}(c) { return ${code}; }`).join(" ");
  const source = `${constants ? `const ${constants};` : ""} ${operands} return function fast(c) { return ${root.code}; };`;
  const factory = new Function("K", "F", "AND", "OR", source) as (...helpers: unknown[]) => Fast;
  return factory(emitter.constants, field, and, or);
}

class Emitter {
  readonly constants: unknown[] = [];
  readonly operands: string[] = [];

  constructor(private readonly typeOf: TypeOf) {}

  private operand(code: string): string {
    this.operands.push(code);
    return `g${this.operands.length - 1}`;
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k${this.constants.length - 1}`;
  }

  /** The compiled form of a node, or undefined when the node is outside the subset. */
  emit(node: CelAstNode): Emitted | undefined {
    const args = node.args;
    switch (node.op) {
      case "value":
        return this.literal(args);
      case "-_": {
        const inner = isCelNode(args) && args.op === "value" ? this.literal(args.args, true) : undefined;
        return inner?.kind === "number" ? inner : undefined;
      }
      case ".":
      case "[]":
        return this.read(node);
      case "==":
      case "!=": {
        const pair = this.pair(args);
        if (!pair || pair[0].kind !== pair[1].kind || !isPrimitive(pair[0].kind)) return undefined;
        return bool(`(${pair[0].code} ${node.op === "==" ? "===" : "!=="} ${pair[1].code})`, pair);
      }
      case "<":
      case "<=":
      case ">":
      case ">=": {
        // Numbers only: CEL orders strings by code point, JavaScript by UTF-16 unit.
        const pair = this.pair(args, "number");
        if (!pair) return undefined;
        return bool(`(${pair[0].code} ${node.op} ${pair[1].code})`, pair);
      }
      case "&&":
      case "||": {
        const pair = this.pair(args, "bool");
        if (!pair) return undefined;
        const [l, r] = pair;
        // An error on the left is absorbed when the right side decides; only reads of optional keys can raise one.
        if (l.mayThrow)
          return bool(
            `${node.op === "&&" ? "AND" : "OR"}(c, ${this.operand(l.code)}, ${this.operand(r.code)})`,
            pair,
          );
        return bool(
          node.op === "&&" ? `(${l.code} ? ${r.code} : false)` : `(${l.code} ? true : ${r.code})`,
          pair,
        );
      }
      case "!_": {
        const inner = isCelNode(args) ? this.emit(args) : undefined;
        return inner?.kind === "bool" ? bool(`!${inner.code}`, [inner]) : undefined;
      }
      case "?:": {
        const parts = (Array.isArray(args) ? args : []).map((a) => (isCelNode(a) ? this.emit(a) : undefined));
        const [cond, then, otherwise] = parts;
        if (parts.length !== 3 || !cond || !then || !otherwise) return undefined;
        if (cond.kind !== "bool" || then.kind !== otherwise.kind || !isPrimitive(then.kind)) return undefined;
        return {
          code: `(${cond.code} ? ${then.code} : ${otherwise.code})`,
          kind: then.kind,
          mayThrow: cond.mayThrow || then.mayThrow || otherwise.mayThrow,
        };
      }
      case "call": {
        const [name, callArgs] = args as [string, unknown[]];
        if (!Array.isArray(callArgs) || callArgs.length !== 1 || !isCelNode(callArgs[0])) return undefined;
        const arg = callArgs[0];
        if (name === "has" && arg.op === ".") {
          const [target, key] = arg.args as [CelAstNode, unknown];
          const from = isCelNode(target) ? this.emit(target) : undefined;
          if (from?.kind !== "map" || typeof key !== "string") return undefined;
          return bool(`Object.hasOwn(${from.code}, ${this.constant(key)})`, [from]);
        }
        return name === "size" ? this.size(arg) : undefined;
      }
      case "rcall": {
        const [name, target, callArgs] = args as [string, unknown, unknown[]];
        if (name !== "size" || !Array.isArray(callArgs) || callArgs.length !== 0 || !isCelNode(target))
          return undefined;
        return this.size(target);
      }
      default:
        return undefined;
    }
  }

  /** `size` of a list only: CEL counts a string's code points, JavaScript its UTF-16 units. */
  private size(target: CelAstNode): Emitted | undefined {
    const inner = this.emit(target);
    if (inner?.kind !== "list") return undefined;
    return { code: `${inner.code}.length`, kind: "number", mayThrow: inner.mayThrow };
  }

  private literal(value: unknown, negate = false): Emitted | undefined {
    let v: unknown = value;
    if (typeof v === "bigint") {
      // Beyond 2^53 a number cannot stand for the integer exactly; leave such literals to cel-js.
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
      v = Number(v);
    }
    if (typeof v === "number")
      return { code: this.constant(negate ? -v : v), kind: "number", mayThrow: false };
    if (negate) return undefined;
    if (typeof v === "string") return { code: this.constant(v), kind: "string", mayThrow: false };
    if (typeof v === "boolean") return { code: this.constant(v), kind: "bool", mayThrow: false };
    return undefined;
  }

  /** A select/index chain rooted at `resource` or `profile`, typed step by step from the schemas. */
  private read(node: CelAstNode): Emitted | undefined {
    const steps: string[] = [];
    let current: CelAstNode = node;
    while (current.op === "." || current.op === "[]") {
      const [target, key] = current.args as [CelAstNode, unknown];
      const name =
        current.op === "."
          ? key
          : isCelNode(key) && key.op === "value" && typeof key.args === "string"
            ? key.args
            : undefined;
      if (typeof name !== "string" || name === "__proto__" || !isCelNode(target)) return undefined;
      steps.unshift(name);
      current = target;
    }
    if (current.op !== "id" || (current.args !== "resource" && current.args !== "profile")) return undefined;
    const profile = current.args === "profile";
    // `profile` is typed from the profile schema under a root name no Resource member has.
    if (profile) steps.unshift(PROFILE_ROOT);
    let code = profile ? "c.profile" : "c.resource";
    let mayThrow = false;
    let kind: FactKind | undefined;
    for (let i = profile ? 1 : 0; i < steps.length; i++) {
      if (i > (profile ? 1 : 0) && kind !== "map") return undefined;
      const type = this.typeOf(steps.slice(0, i + 1));
      if (!type || type.nullable) return undefined;
      code = `F(${code}, ${this.constant(steps[i])})`;
      mayThrow ||= type.optional;
      kind = type.kind;
    }
    return kind ? { code, kind, mayThrow } : undefined;
  }

  /** Both operands compiled (and, when `kind` is given, both of that kind). */
  private pair(args: unknown, kind?: FactKind): [Emitted, Emitted] | undefined {
    if (!Array.isArray(args) || !isCelNode(args[0]) || !isCelNode(args[1])) return undefined;
    const left = this.emit(args[0]);
    const right = left && this.emit(args[1]);
    if (!left || !right || (kind && (left.kind !== kind || right.kind !== kind))) return undefined;
    return [left, right];
  }
}

function bool(code: string, parts: Emitted[]): Emitted {
  return { code, kind: "bool", mayThrow: parts.some((p) => p.mayThrow) };
}

function isPrimitive(kind: FactKind): boolean {
  return kind === "bool" || kind === "number" || kind === "string";
}

/** A key of a map: an absent key is cel-js's "No such key" error (what an object inherits is absent too). */
function field(target: Record<string, unknown>, name: string): unknown {
  const value = target[name];
  if (value === undefined || typeof value === "function") throw new Error(`No such key: ${name}`);
  return value;
}

/**
 * CEL's `&&` when the left side may raise an error: false on either side decides; otherwise the error is
 * raised (the right side's when both raise one, as cel-js does).
 */
function and(c: Context, left: Fast, right: Fast): boolean {
  let l: boolean;
  try {
    l = left(c);
  } catch (leftError) {
    if (right(c) === false) return false;
    throw leftError;
  }
  return l ? right(c) : false;
}

/** CEL's `||` when the left side may raise an error: true on either side decides. */
function or(c: Context, left: Fast, right: Fast): boolean {
  let l: boolean;
  try {
    l = left(c);
  } catch (leftError) {
    if (right(c) === true) return true;
    throw leftError;
  }
  return l ? true : right(c);
}
