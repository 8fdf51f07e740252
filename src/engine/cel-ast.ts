/**
 * The parts of cel-js's AST the engine's own passes read (references in cel.ts, the type check, offending
 * list elements), and the one walk down a select chain they share.
 */
export interface CelAstNode {
  op: string;
  args: unknown;
  pos?: number;
  /** Where the whole node starts (for a select chain, its root identifier). */
  start?: number;
}

export function isCelNode(value: unknown): value is CelAstNode {
  return (
    typeof value === "object" &&
    value !== null &&
    "op" in value &&
    typeof (value as CelAstNode).op === "string"
  );
}

/** A select/index chain (`resource.attributes.tags["env"]`) walked from its outermost node down to its root. */
export interface SelectChainWalk {
  /**
   * The steps from the root outwards: a field name or a constant string index as itself, another constant
   * index as "[]", a computed index (`m[x]`) as "*".
   */
  steps: string[];
  /** The computed index expressions, outermost first (they may read facts of their own). */
  dynamicIndexes: unknown[];
  /** The node the chain starts from (an `id` for `resource.…`); undefined when that is not a node. */
  root: CelAstNode | undefined;
}

export function walkSelectChain(node: CelAstNode): SelectChainWalk {
  const steps: string[] = [];
  const dynamicIndexes: unknown[] = [];
  let current: CelAstNode = node;
  while (current.op === "." || current.op === "[]") {
    const [target, key] = current.args as [CelAstNode, unknown];
    if (current.op === ".") steps.unshift(String(key));
    else if (isCelNode(key) && key.op === "value" && typeof key.args === "string") steps.unshift(key.args);
    else if (isCelNode(key) && key.op === "value") steps.unshift("[]");
    else {
      steps.unshift("*");
      dynamicIndexes.push(key);
    }
    if (!isCelNode(target)) return { steps, dynamicIndexes, root: undefined };
    current = target;
  }
  return { steps, dynamicIndexes, root: current };
}
