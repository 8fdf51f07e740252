import type { Finding } from "../core/finding.js";
import type { Resource } from "../core/resource.js";
import { evaluateRule } from "../engine/evaluate.js";
import type { CompiledRule } from "../engine/load.js";

/** Every rule against every resource of its type(s). The hot loop of a scan: rules are indexed by type once. */
export function evaluateAll(rules: CompiledRule[], resources: Iterable<Resource>, now: Date): Finding[] {
  const byType = new Map<string, CompiledRule[]>();
  for (const rule of rules) {
    for (const type of rule.resourceTypes) {
      const list = byType.get(type);
      if (list) list.push(rule);
      else byType.set(type, [rule]);
    }
  }
  const findings: Finding[] = [];
  for (const resource of resources) {
    const applicable = byType.get(resource.type);
    if (!applicable) continue;
    for (const rule of applicable) findings.push(evaluateRule(rule, resource, now));
  }
  return findings;
}
