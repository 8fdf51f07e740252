import { collectorProduces } from "../collectors/registry.js";
import { AssayError } from "../core/errors.js";
import type { CompiledRule } from "../engine/load.js";

export interface ScanPlan {
  /** Collectors to run, in the order requested. */
  collectors: string[];
  /** Rules whose resource types the selected collectors produce. */
  rules: CompiledRule[];
  /** Requested collectors that no selected rule needs (not run). */
  idle: string[];
}

/** Which collectors the selected rules need, and which rules the selected collectors can feed. Pure. */
export function planScan(
  requested: string[],
  rules: CompiledRule[],
  produces: Record<string, readonly string[]> = collectorProduces,
): ScanPlan {
  const unknown = requested.filter((name) => !produces[name]);
  if (unknown.length) {
    throw new AssayError(
      "SCAN_UNKNOWN_COLLECTOR",
      `unknown collector ${unknown.map((n) => `"${n}"`).join(", ")}; known: ${Object.keys(produces).join(", ")}`,
    );
  }
  const produced = new Set(requested.flatMap((name) => produces[name] ?? []));
  const selectedRules = rules.filter((rule) => rule.resourceTypes.some((t) => produced.has(t)));
  const needed = new Set(selectedRules.flatMap((rule) => rule.resourceTypes));
  const collectors = requested.filter((name) => (produces[name] ?? []).some((t) => needed.has(t)));
  return { collectors, rules: selectedRules, idle: requested.filter((n) => !collectors.includes(n)) };
}
