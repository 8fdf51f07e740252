import type { Finding } from "../core/finding.js";
import { DEFAULT_PROFILE } from "../core/profile.js";
import type { Resource } from "../core/resource.js";
import { evaluatePrepared, type PreparedRule, prepareRule } from "../engine/evaluate.js";
import type { CompiledRule } from "../engine/load.js";

/** Every rule against every resource of its type(s), collected into one list (a scan report holds them all). */
export function evaluateAll(
  rules: CompiledRule[],
  resources: Iterable<Resource>,
  now: Date,
  profile: unknown = DEFAULT_PROFILE.values,
): Finding[] {
  const findings: Finding[] = [];
  forEachFinding(rules, resources, now, (finding) => findings.push(finding), profile);
  return findings;
}

/**
 * The hot loop of a scan: rules are indexed by type once, and each finding goes to `sink` as it is made, so a
 * caller that streams findings (an export, a very large scan) need not hold them all.
 */
export function forEachFinding(
  rules: CompiledRule[],
  resources: Iterable<Resource>,
  now: Date,
  sink: (finding: Finding) => void,
  /** The profile values `profile.*` reads (the shipped defaults unless the organisation set its own). */
  profile: unknown = DEFAULT_PROFILE.values,
): void {
  const byType = new Map<string, PreparedRule[]>();
  for (const rule of rules) {
    const prepared = prepareRule(rule);
    for (const type of rule.resourceTypes) {
      const list = byType.get(type);
      if (list) list.push(prepared);
      else byType.set(type, [prepared]);
    }
  }
  for (const resource of resources) {
    const applicable = byType.get(resource.type);
    if (!applicable) continue;
    const context = { resource, now, profile };
    const unreadableKeys = Object.keys(resource.unreadable);
    for (const rule of applicable) sink(evaluatePrepared(rule, resource, context, unreadableKeys));
  }
}
