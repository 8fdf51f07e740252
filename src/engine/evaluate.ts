import type { EvidenceValue, Finding } from "../core/finding.js";
import type { CollectorError } from "../core/report.js";
import type { Resource } from "../core/resource.js";
import type { CompiledRule } from "./load.js";

/**
 * Apply one compiled rule to one resource. Pure: no I/O, `now` is bound once per scan by the caller.
 * Fail closed: a fact the collector could not read, a missing attribute, an expression that throws or does
 * not yield a boolean all give `error` with the reason, never `pass`.
 */
export function evaluateRule(
  rule: CompiledRule,
  resource: Resource,
  now: Date,
  // Callers evaluating many rules against one resource pass one context object for all of them.
  context: { resource: Resource; now: Date } = { resource, now },
): Finding {
  let status: Finding["status"];
  let message: string;
  const unreadable = unreadableReasons(rule, resource);
  if (unreadable) {
    status = "error";
    message = `could not evaluate: ${unreadable}`;
  } else {
    const applies = rule.when ? runExpression(rule.when, context) : true;
    if (typeof applies !== "boolean") {
      status = "error";
      message = `could not evaluate "when": ${describeNonBoolean(applies)}`;
    } else if (!applies) {
      status = "skip";
      message = `not applicable: ${rule.definition.when}`;
    } else {
      const holds = runExpression(rule.assert, context);
      if (typeof holds !== "boolean") {
        status = "error";
        message = `could not evaluate "assert": ${describeNonBoolean(holds)}`;
      } else if (holds) {
        status = "pass";
        message = rule.definition.title;
      } else {
        status = "fail";
        message = failMessage(rule, resource);
      }
    }
  }
  return {
    ruleId: rule.definition.id,
    resourceUid: resource.uid,
    resourceType: resource.type,
    status,
    severity: rule.definition.severity,
    message,
    evidence: collectEvidence(rule, resource),
    controls: rule.summary.controls,
    policy: rule.definition.policy,
  };
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
  if (!hasKeys(unreadable)) return undefined;
  const keys = Object.keys(unreadable);
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
  const anyUnreadable = hasKeys(resource.unreadable);
  for (const { path, segments } of rule.evidencePaths) {
    const top = segments[0] as string;
    const source = resource.sources[top];
    const reason = anyUnreadable ? unreadableFor(resource, path) : undefined;
    if (reason !== undefined) {
      evidence[path] = source === undefined ? { unreadable: reason } : { unreadable: reason, source };
      continue;
    }
    const value = valueAt(resource.attributes, segments);
    evidence[path] = source === undefined ? { value } : { value, source };
  }
  return evidence;
}

function hasKeys(record: Record<string, unknown>): boolean {
  for (const _ in record) return true;
  return false;
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

/** A fail message template split once into literal text and `{{path}}` placeholders (rules are compiled once). */
type MessagePart = string | { segments: string[] };
const templateCache = new WeakMap<CompiledRule, MessagePart[] | null>();

function compileTemplate(template: string | undefined): MessagePart[] | null {
  if (!template) return null;
  const parts: MessagePart[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)) {
    parts.push(template.slice(last, match.index), { segments: (match[1] as string).split(".") });
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(template.slice(last));
  return parts;
}

function failMessage(rule: CompiledRule, resource: Resource): string {
  let parts = templateCache.get(rule);
  if (parts === undefined) {
    parts = compileTemplate(rule.definition.failMessage);
    templateCache.set(rule, parts);
  }
  if (parts === null) return `failed: ${rule.definition.title}`;
  let message = "";
  for (const part of parts) {
    if (typeof part === "string") message += part;
    else if (part.segments.length === 1 && part.segments[0] === "name") message += resource.name;
    else {
      const value = valueAt(resource.attributes, part.segments);
      message += value === undefined ? "?" : typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return message;
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
