import type { EvidenceValue, Finding } from "../core/finding.js";
import type { CollectorError } from "../core/report.js";
import type { Resource } from "../core/resource.js";
import type { CompiledRule } from "./load.js";

/**
 * Apply one compiled rule to one resource. Pure: no I/O, `now` is bound once per scan by the caller.
 * Fail closed: a fact the collector could not read, a missing attribute, an expression that throws or does
 * not yield a boolean all give `error` with the reason, never `pass`.
 */
export function evaluateRule(rule: CompiledRule, resource: Resource, now: Date): Finding {
  const context = { resource, now };
  const finding = (status: Finding["status"], message: string): Finding => ({
    ruleId: rule.definition.id,
    resourceUid: resource.uid,
    resourceType: resource.type,
    status,
    severity: rule.definition.severity,
    message,
    evidence: collectEvidence(rule, resource),
    controls: rule.summary.controls,
    policy: rule.definition.policy,
  });

  const unreadable = unreadableReasons(rule, resource);
  if (unreadable) return finding("error", `could not evaluate: ${unreadable}`);

  if (rule.when) {
    const applies = runExpression(rule.when, context);
    if (typeof applies !== "boolean")
      return finding("error", `could not evaluate "when": ${describeNonBoolean(applies)}`);
    if (!applies) return finding("skip", `not applicable: ${rule.definition.when}`);
  }
  const holds = runExpression(rule.assert, context);
  if (typeof holds !== "boolean")
    return finding("error", `could not evaluate "assert": ${describeNonBoolean(holds)}`);
  if (holds) return finding("pass", rule.definition.title);
  return finding("fail", failMessage(rule, resource));
}

type Outcome = boolean | { error: string } | { value: unknown };

function runExpression(
  expression: CompiledRule["assert"],
  context: { resource: Resource; now: Date },
): Outcome {
  try {
    const value = expression(context);
    return typeof value === "boolean" ? value : { value };
  } catch (error) {
    return { error: explainEvaluationError(error) };
  }
}

function describeNonBoolean(outcome: { error: string } | { value: unknown }): string {
  if ("error" in outcome) return outcome.error;
  return `expected true or false, got ${typeof outcome.value === "bigint" ? "a number" : JSON.stringify(outcome.value)}`;
}

function explainEvaluationError(error: unknown): string {
  const message =
    (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "evaluation failed";
  const missing = /^No such key: (.+)$/.exec(message);
  if (missing) return `fact "${missing[1]}" was not collected`;
  return message;
}

/** The reasons, if any, that a fact this rule reads could not be collected. */
function unreadableReasons(rule: CompiledRule, resource: Resource): string | undefined {
  const unreadable = resource.unreadable;
  const keys = Object.keys(unreadable);
  if (keys.length === 0) return undefined;
  const reasons: string[] = [];
  for (const key of keys) {
    if (rule.readPaths.some((path) => overlaps(path, key))) reasons.push(`${key}: ${unreadable[key]}`);
  }
  return reasons.length ? reasons.join("; ") : undefined;
}

/** `a.b` overlaps `a` and `a.b.c`, but not `a.bc`. */
function overlaps(path: string, key: string): boolean {
  if (path === key) return true;
  return path.startsWith(`${key}.`) || key.startsWith(`${path}.`);
}

function collectEvidence(rule: CompiledRule, resource: Resource): Record<string, EvidenceValue> {
  const evidence: Record<string, EvidenceValue> = {};
  for (const { path, segments } of rule.evidencePaths) {
    const top = segments[0] as string;
    const source = resource.sources[top];
    const reason = unreadableFor(resource, path);
    if (reason !== undefined) {
      evidence[path] = source === undefined ? { unreadable: reason } : { unreadable: reason, source };
      continue;
    }
    const value = valueAt(resource.attributes, segments);
    evidence[path] = source === undefined ? { value } : { value, source };
  }
  return evidence;
}

function unreadableFor(resource: Resource, path: string): string | undefined {
  for (const key in resource.unreadable) if (overlaps(path, key)) return resource.unreadable[key];
  return undefined;
}

export function valueAt(attributes: Record<string, unknown>, segments: readonly string[]): unknown {
  let current: unknown = attributes;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function failMessage(rule: CompiledRule, resource: Resource): string {
  const template = rule.definition.failMessage;
  if (!template) return `failed: ${rule.definition.title}`;
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path: string) => {
    if (path === "name") return resource.name;
    const value = valueAt(resource.attributes, path.split("."));
    return value === undefined ? "?" : typeof value === "string" ? value : JSON.stringify(value);
  });
}

/**
 * Collector errors that kept a whole resource type from being listed (a denied List call) become one `error`
 * finding per affected rule and scope, naming the missing permission, so a denial is never a silent pass.
 */
export function findingsForCollectorErrors(rules: CompiledRule[], errors: CollectorError[]): Finding[] {
  const findings: Finding[] = [];
  for (const error of errors) {
    if (error.resourceTypes.length === 0) continue;
    for (const rule of rules) {
      const type = rule.resourceTypes.find((t) => error.resourceTypes.includes(t));
      if (!type) continue;
      const permission = error.permission ? ` (missing permission ${error.permission})` : "";
      findings.push({
        ruleId: rule.definition.id,
        resourceUid: error.scope,
        resourceType: type,
        status: "error",
        severity: rule.definition.severity,
        message: `could not list ${type} in ${error.scope}: ${error.code}${permission}: ${error.message}`,
        evidence: {},
        controls: rule.summary.controls,
        policy: rule.definition.policy,
      });
    }
  }
  return findings;
}
