import { Environment } from "@marcbachmann/cel-js";
import { type CelAstNode, isCelNode, walkSelectChain } from "./cel-ast.js";
import type { TypeOf } from "./fact-types.js";
import { compileNode } from "./fast-path.js";
import { registerAssayFunctions } from "./functions/index.js";

/**
 * CEL, the policy language of Kubernetes admission policies and Google Cloud IAM conditions. One environment
 * for every rule: `resource` (the Resource as a map), `now` (a timestamp bound once per scan) and `profile`
 * (the organisation profile's thresholds, `core/profile.ts`, also bound once per scan), plus Assay's
 * functions for addresses, ports and IAM statements (`functions/`).
 */
let environment: Environment | undefined;

export function celEnvironment(): Environment {
  environment ??= registerAssayFunctions(
    new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false })
      .registerVariable("resource", "map")
      .registerVariable("now", "google.protobuf.Timestamp")
      .registerVariable("profile", "map"),
  );
  return environment;
}

/** What an expression is evaluated against: one resource, and the scan's time and profile values. */
export interface EvaluationContext {
  resource: unknown;
  now: Date;
  profile: unknown;
}

export type CompiledExpression = (context: EvaluationContext) => unknown;

export type { CelAstNode };

export interface CompileResult {
  evaluate: CompiledExpression;
  ast: CelAstNode;
  /** The result type cel-js's checker found (`bool`, `string`, `list<string>`, `dyn`, …). */
  type: string;
}

export class CelSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Parse and type-check an expression; throws CelSyntaxError with the offset of the problem. With the types of
 * the rule's facts (`typeOf`), an expression inside the fast path's subset is compiled to a generated function;
 * otherwise cel-js evaluates it.
 */
export function compileCel(expression: string, typeOf?: TypeOf): CompileResult {
  const env = celEnvironment();
  let parsed: ReturnType<Environment["parse"]>;
  try {
    parsed = env.parse(expression);
  } catch (error) {
    throw celError(error);
  }
  const checked = env.check(expression);
  if (!checked.valid) throw celError(checked.error);
  const ast = parsed.ast as unknown as CelAstNode;
  return {
    evaluate: compileNode(ast, typeOf) ?? (parsed as unknown as CompiledExpression),
    ast,
    type: String((checked as { type?: unknown }).type ?? "dyn"),
  };
}

function celError(error: unknown): CelSyntaxError {
  const err = error as { message?: string; node?: { pos?: number } } | undefined;
  const message = (err?.message ?? String(error)).split("\n")[0] ?? "invalid expression";
  return new CelSyntaxError(message, err?.node?.pos ?? 0);
}

/** A reference to a fact found in an expression: the attribute path and where it starts. */
export interface AttributeReference {
  /** Path below `resource.attributes` (`["firewall", "enabled"]`); for macro variables, the path of the list plus "[]". */
  path: string[];
  offset: number;
}

export interface ExpressionReferences {
  attributes: AttributeReference[];
  /** Top-level Resource members read directly (`resource.tags`, `resource.name`). */
  resourceMembers: { name: string; offset: number }[];
  /** Paths read below `profile` (`["password", "minLength"]`), checked against the profile schema. */
  profile: AttributeReference[];
}

const ITERATING_MACROS = new Set(["all", "exists", "exists_one", "map", "filter"]);

/**
 * Collect every path an expression reads below `resource.attributes`, following macro variables
 * (`resource.attributes.volumes.all(v, v.encrypted)` reads `volumes[].encrypted`). The engine uses this to
 * check paths against the facts schema at lint time and to match unreadable facts at evaluation time.
 */
export function collectReferences(ast: CelAstNode): ExpressionReferences {
  const result: ExpressionReferences = { attributes: [], resourceMembers: [], profile: [] };
  const seen = new Set<string>();
  const add = (path: string[], offset: number) => {
    const key = path.join(".");
    // Keep only the longest chain per expression position: prefixes are implied.
    if (seen.has(`${key}@${offset}`)) return;
    seen.add(`${key}@${offset}`);
    result.attributes.push({ path, offset });
  };

  const visit = (node: unknown, scope: Map<string, string[]>): void => {
    if (!isCelNode(node)) {
      if (Array.isArray(node)) for (const child of node) visit(child, scope);
      return;
    }
    const chain = selectChain(node, scope);
    if (chain) {
      if (chain.kind === "attributes") add(chain.path, node.start ?? node.pos ?? 0);
      else if (chain.kind === "member")
        result.resourceMembers.push({ name: chain.name, offset: node.start ?? node.pos ?? 0 });
      else if (chain.kind === "profile")
        result.profile.push({ path: chain.path, offset: node.start ?? node.pos ?? 0 });
      // Visit computed index expressions inside the chain (`m[x]`), which may read other facts.
      for (const index of chain.dynamicIndexes) visit(index, scope);
      return;
    }
    if (node.op === "rcall" && Array.isArray(node.args)) {
      const [name, target, rest] = node.args as [string, unknown, unknown[]];
      if (ITERATING_MACROS.has(name) && Array.isArray(rest) && isCelNode(rest[0]) && rest[0].op === "id") {
        visit(target, scope);
        const targetChain = isCelNode(target) ? selectChain(target, scope) : undefined;
        const inner = new Map(scope);
        if (targetChain?.kind === "attributes") inner.set(String(rest[0].args), [...targetChain.path, "[]"]);
        else inner.delete(String(rest[0].args));
        for (const child of rest.slice(1)) visit(child, inner);
        return;
      }
    }
    visit(node.args, scope);
  };
  visit(ast, new Map());
  // Drop references that are a strict prefix of another at the same place (the chain walker yields the longest).
  return result;
}

type Chain =
  | { kind: "attributes"; path: string[]; dynamicIndexes: unknown[] }
  | { kind: "member"; name: string; dynamicIndexes: unknown[] }
  | { kind: "profile"; path: string[]; dynamicIndexes: unknown[] }
  | { kind: "other"; dynamicIndexes: unknown[] };

/** Walk a select/index chain down to its root identifier. */
function selectChain(node: CelAstNode, scope: Map<string, string[]>): Chain | undefined {
  if (node.op !== "." && node.op !== "[]" && node.op !== "id") return undefined;
  const { steps: segments, dynamicIndexes, root } = walkSelectChain(node);
  if (!root) return { kind: "other", dynamicIndexes };
  if (root.op !== "id") return undefined;
  const name = String(root.args);
  if (name === "resource") {
    if (segments[0] === "attributes") return { kind: "attributes", path: segments.slice(1), dynamicIndexes };
    if (segments[0]) return { kind: "member", name: segments[0], dynamicIndexes };
    return { kind: "other", dynamicIndexes };
  }
  const bound = scope.get(name);
  if (bound) return { kind: "attributes", path: [...bound, ...segments], dynamicIndexes };
  if (name === "profile") return { kind: "profile", path: segments, dynamicIndexes };
  return { kind: "other", dynamicIndexes };
}
