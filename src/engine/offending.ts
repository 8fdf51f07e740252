import { serialize } from "@marcbachmann/cel-js";
import { celEnvironment, type EvaluationContext } from "./cel.js";
import { type CelAstNode, isCelNode } from "./cel-ast.js";

/**
 * Which elements of a list-valued fact decided a failure. For an assertion `volumes.all(v, v.encrypted)`, the
 * volumes whose predicate is not true; for `!rules.exists(r, isAnyAddress(r.cidr))`, the rules whose
 * predicate is true. Found once per rule from the assertion's AST: every `all` / `exists` over a fact path
 * that is also an evidence path, not nested inside another macro (its predicate then reads only the element,
 * `resource` and `now`). On a failure the predicate is evaluated per element by cel-js, and the indices are
 * kept in that evidence value's `offending`. A plain `exists` that is false has no offending element (nothing
 * matched), so it marks nothing.
 */
export interface OffendingList {
  /** The evidence path of the list (`diskEncryption.volumes`). */
  path: string;
  /** The predicate for one element. */
  predicate: (context: EvaluationContext, element: unknown) => unknown;
  /** true: an element is offending when its predicate is true (negated exists); false: when it is not true (all). */
  offendingWhen: boolean;
}

type Bound = Record<string, unknown>;

export function findOffendingLists(assert: CelAstNode, evidencePaths: readonly string[]): OffendingList[] {
  const lists: OffendingList[] = [];
  const visit = (node: unknown, negated: boolean): void => {
    if (!isCelNode(node)) {
      if (Array.isArray(node)) for (const child of node) visit(child, negated);
      return;
    }
    if (node.op === "!_") {
      visit(node.args, !negated);
      return;
    }
    if (node.op === "rcall" && Array.isArray(node.args)) {
      const [name, target, rest] = node.args as [string, unknown, unknown[]];
      if ((name === "all" || name === "exists") && Array.isArray(rest) && rest.length === 2) {
        const [variable, body] = rest;
        const path = isCelNode(target) ? attributePath(target) : undefined;
        // `all` fails on elements that are not true; `exists` only decides a failure when negated.
        const marks = name === "all" ? !negated : negated;
        if (path && marks && evidencePaths.includes(path) && isCelNode(variable) && variable.op === "id") {
          lists.push({
            path,
            predicate: elementPredicate(String(variable.args), body as CelAstNode),
            offendingWhen: name === "exists",
          });
        }
        // Do not descend into the predicate: nested macros would need the outer element bound.
        visit(target, negated);
        return;
      }
    }
    visit(node.args, negated);
  };
  visit(assert, false);
  return lists;
}

function elementPredicate(variable: string, body: CelAstNode): OffendingList["predicate"] {
  const environment = celEnvironment().clone().registerVariable(variable, "dyn");
  const evaluate = environment.parse(serialize(body as never)) as unknown as (context: Bound) => unknown;
  return (context, element) =>
    evaluate({ resource: context.resource, now: context.now, profile: context.profile, [variable]: element });
}

/** The indices of the offending elements of one list, or undefined when it is not a list. */
export function offendingIndices(
  list: OffendingList,
  context: EvaluationContext,
  value: unknown,
): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const indices: number[] = [];
  value.forEach((element, index) => {
    let result: unknown;
    try {
      result = list.predicate(context, element);
    } catch {
      // An element whose predicate raises an error cannot be shown to comply: it is offending for `all`.
      result = undefined;
    }
    if (list.offendingWhen ? result === true : result !== true) indices.push(index);
  });
  return indices;
}

/** `resource.attributes.a.b` → "a.b". */
function attributePath(node: CelAstNode): string | undefined {
  const steps: string[] = [];
  let current: CelAstNode = node;
  while (current.op === ".") {
    const [target, key] = current.args as [CelAstNode, unknown];
    steps.unshift(String(key));
    if (!isCelNode(target)) return undefined;
    current = target;
  }
  if (current.op !== "id" || current.args !== "resource" || steps[0] !== "attributes" || steps.length < 2)
    return undefined;
  return steps.slice(1).join(".");
}
