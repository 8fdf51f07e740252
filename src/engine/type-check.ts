import { type CelAstNode, isCelNode, walkSelectChain } from "./cel-ast.js";
import { type FactKind, PROFILE_ROOT, type TypeOf } from "./fact-types.js";
import { ASSAY_CEL_FUNCTIONS } from "./functions/index.js";

/**
 * A CEL type check against the facts schemas, for `rules lint`. cel-js checks expressions with `resource`
 * declared as a map, so every fact is `dyn` to it and `ruleCount > "3"` passes its check and fails only at
 * scan time. This pass knows each fact's kind from the facts schema (through macro variables too) and reports
 * operators applied to values of kinds they cannot take. It only reports what is certain: a value whose kind
 * the schemas leave open (unions, `unknown`, disagreeing resource types) is never an error here.
 */
export interface TypeProblem {
  message: string;
  offset: number;
}

type Kind = FactKind | "null";

interface Typed {
  kind: Kind | undefined;
  /** How to name the value in a message: the fact path or the literal. */
  label: string;
}

const BOOL_RESULT_FUNCTIONS = new Set([
  "has",
  "startsWith",
  "endsWith",
  "contains",
  "matches",
  ...ASSAY_CEL_FUNCTIONS.filter((f) => f.signature.endsWith(": bool")).map((f) =>
    f.signature.slice(0, f.signature.indexOf("(")),
  ),
]);
const LIST_RESULT_FUNCTIONS = new Set(
  ASSAY_CEL_FUNCTIONS.filter((f) => /: list/.test(f.signature)).map((f) =>
    f.signature.slice(0, f.signature.indexOf("(")),
  ),
);
const PREDICATE_MACROS = new Set(["all", "exists", "exists_one", "existsOne"]);
const LIST_MACROS = new Set(["map", "filter"]);

export function typeCheck(ast: CelAstNode, typeOf: TypeOf): TypeProblem[] {
  return analyse(ast, typeOf).problems;
}

/** The kind of an expression's result as far as the facts schemas tell (undefined when open). */
export function expressionKind(ast: CelAstNode, typeOf: TypeOf): FactKind | "null" | undefined {
  return analyse(ast, typeOf).kind;
}

function analyse(ast: CelAstNode, typeOf: TypeOf): { problems: TypeProblem[]; kind: Kind | undefined } {
  const problems: TypeProblem[] = [];
  const report = (node: CelAstNode, message: string) =>
    problems.push({ message: `type error: ${message}`, offset: node.start ?? node.pos ?? 0 });

  const infer = (node: unknown, scope: Map<string, string[]>): Typed => {
    if (!isCelNode(node)) return { kind: undefined, label: "value" };
    const args = node.args;
    switch (node.op) {
      case "value":
        return literal(args);
      case "-_": {
        const inner = infer(args, scope);
        return { kind: inner.kind === "number" ? "number" : undefined, label: `-${inner.label}` };
      }
      case "id":
      case ".":
      case "[]": {
        const path = chainPath(node, scope, (index) => infer(index, scope));
        if (!path) return { kind: undefined, label: "value" };
        const type = typeOf(path);
        return {
          kind: type?.kind,
          label: `"${path
            .filter((s) => s !== "attributes")
            .map((s) => (s === PROFILE_ROOT ? "profile" : s))
            .join(".")
            .replaceAll(".[]", "[]")}"`,
        };
      }
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const [l, r] = pair(args, scope);
        const ordering = node.op !== "==" && node.op !== "!=";
        if (known(l) && known(r) && l.kind !== r.kind)
          report(
            node,
            `${l.label} is ${article(l.kind)} and ${r.label} ${article(r.kind)}: ${node.op} compares values of one kind`,
          );
        else if (ordering && known(l) && (l.kind === "list" || l.kind === "map"))
          report(node, `${l.label} is ${article(l.kind)}, which has no order for ${node.op}`);
        return { kind: "bool", label: "comparison" };
      }
      case "&&":
      case "||": {
        for (const side of pair(args, scope))
          if (known(side) && side.kind !== "bool")
            report(node, `${side.label} is ${article(side.kind)}, but ${node.op} takes true or false`);
        return { kind: "bool", label: "condition" };
      }
      case "!_": {
        const inner = infer(args, scope);
        if (known(inner) && inner.kind !== "bool")
          report(node, `${inner.label} is ${article(inner.kind)}, but ! takes true or false`);
        return { kind: "bool", label: "condition" };
      }
      case "?:": {
        const [cond, then, otherwise] = (Array.isArray(args) ? args : []).map((a) => infer(a, scope));
        if (cond && known(cond) && cond.kind !== "bool")
          report(
            node,
            `${cond.label} is ${article(cond.kind)}, but the condition of ?: must be true or false`,
          );
        return { kind: then?.kind === otherwise?.kind ? then?.kind : undefined, label: "value" };
      }
      case "+":
      case "-":
      case "*":
      case "/":
      case "%": {
        const [l, r] = pair(args, scope);
        if (known(l) && known(r) && l.kind !== r.kind) {
          report(
            node,
            `${l.label} is ${article(l.kind)} and ${r.label} ${article(r.kind)}: ${node.op} takes values of one kind`,
          );
          return { kind: undefined, label: "value" };
        }
        return { kind: l.kind === r.kind ? l.kind : undefined, label: "value" };
      }
      case "in": {
        const [, r] = pair(args, scope);
        if (known(r) && r.kind !== "list" && r.kind !== "map")
          report(node, `${r.label} is ${article(r.kind)}, but in needs a list or a map`);
        return { kind: "bool", label: "condition" };
      }
      case "rcall": {
        const [name, target, rest] = args as [string, unknown, unknown[]];
        if (
          (PREDICATE_MACROS.has(name) || LIST_MACROS.has(name)) &&
          Array.isArray(rest) &&
          isCelNode(rest[0]) &&
          rest[0].op === "id"
        ) {
          const targetPath = isCelNode(target)
            ? chainPath(target, scope, (index) => infer(index, scope))
            : undefined;
          infer(target, scope);
          const inner = new Map(scope);
          const variable = String(rest[0].args);
          if (targetPath && typeOf(targetPath)?.kind === "list") inner.set(variable, [...targetPath, "[]"]);
          else inner.delete(variable);
          const bodies = rest.slice(1).map((child) => infer(child, inner));
          const predicate = bodies[bodies.length - 1];
          if (PREDICATE_MACROS.has(name) && predicate && known(predicate) && predicate.kind !== "bool")
            report(
              node,
              `${predicate.label} is ${article(predicate.kind)}, but ${name}() needs a true or false predicate`,
            );
          return { kind: PREDICATE_MACROS.has(name) ? "bool" : "list", label: "value" };
        }
        infer(target, scope);
        for (const child of Array.isArray(rest) ? rest : []) infer(child, scope);
        return resultOf(name);
      }
      case "call": {
        const [name, rest] = args as [string, unknown[]];
        // has() takes a field selection, not a value: its argument is not read.
        if (name !== "has") for (const child of Array.isArray(rest) ? rest : []) infer(child, scope);
        return resultOf(name);
      }
      default:
        visitAll(args, scope);
        return { kind: undefined, label: "value" };
    }
  };

  const pair = (args: unknown, scope: Map<string, string[]>): [Typed, Typed] => {
    const [l, r] = Array.isArray(args) ? args : [];
    return [infer(l, scope), infer(r, scope)];
  };
  const visitAll = (value: unknown, scope: Map<string, string[]>) => {
    if (isCelNode(value)) infer(value, scope);
    else if (Array.isArray(value)) for (const child of value) visitAll(child, scope);
  };

  const { kind } = infer(ast, new Map());
  return { problems, kind };
}

function resultOf(name: string): Typed {
  if (BOOL_RESULT_FUNCTIONS.has(name)) return { kind: "bool", label: `${name}()` };
  if (LIST_RESULT_FUNCTIONS.has(name)) return { kind: "list", label: `${name}()` };
  if (name === "size") return { kind: "number", label: "size()" };
  return { kind: undefined, label: `${name}()` };
}

function literal(value: unknown): Typed {
  if (typeof value === "bigint" || typeof value === "number") return { kind: "number", label: String(value) };
  if (typeof value === "string") return { kind: "string", label: JSON.stringify(value) };
  if (typeof value === "boolean") return { kind: "bool", label: String(value) };
  if (value === null) return { kind: "null", label: "null" };
  return { kind: undefined, label: "value" };
}

/** Null compares with anything (absent-or-null checks); only two known, non-null kinds can clash. */
function known(typed: Typed): typed is Typed & { kind: FactKind } {
  return typed.kind !== undefined && typed.kind !== "null";
}

function article(kind: Kind): string {
  switch (kind) {
    case "bool":
      return "a boolean";
    case "number":
      return "a number";
    case "string":
      return "a string";
    case "list":
      return "a list";
    case "map":
      return "a map";
    default:
      return "null";
  }
}

/** The path below `resource` (or `$profile`…) a select chain reads (macro variables resolved), or undefined. */
function chainPath(
  node: CelAstNode,
  scope: Map<string, string[]>,
  visitIndex: (index: unknown) => void,
): string[] | undefined {
  const { steps, dynamicIndexes, root } = walkSelectChain(node);
  // A computed index names no fixed path; it is a value of its own to check (the outermost one).
  if (dynamicIndexes.length > 0) {
    visitIndex(dynamicIndexes[0]);
    return undefined;
  }
  if (root?.op !== "id") return undefined;
  const name = String(root.args);
  if (name === "resource") return steps;
  const bound = scope.get(name);
  if (bound) return [...bound, ...steps];
  return name === "profile" ? [PROFILE_ROOT, ...steps] : undefined;
}
