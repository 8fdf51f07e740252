import type { EvidenceValue, Finding } from "../core/finding.js";
import { DEFAULT_PROFILE } from "../core/profile.js";
import type { CollectorError } from "../core/report.js";
import type { Resource } from "../core/resource.js";
import type { EvaluationContext } from "./cel.js";
import type { CompiledRule } from "./load.js";
import { offendingIndices } from "./offending.js";

/** The context of one resource's evaluation: the resource, and the scan's `now` and profile values. */
export type ResourceContext = EvaluationContext & { resource: Resource };

/**
 * Apply one compiled rule to one resource. Pure: no I/O, `now` and the profile are bound once per scan by the
 * caller (the shipped default profile when the caller gives none).
 * Fail closed: a fact the collector could not read, a missing attribute, an expression that throws or does
 * not yield a boolean all give `error` with the reason, never `pass`.
 */
export function evaluateRule(
  rule: CompiledRule,
  resource: Resource,
  now: Date,
  // Callers evaluating many rules against one resource pass one context object for all of them.
  context: ResourceContext = { resource, now, profile: DEFAULT_PROFILE.values },
  unreadableKeys: readonly string[] = Object.keys(resource.unreadable),
): Finding {
  return evaluatePrepared(prepareRule(rule), resource, context, unreadableKeys);
}

/**
 * What evaluating a rule needs, read out of the compiled rule once, so that the loop of a scan makes no
 * WeakMap lookup and no nested property read per evaluation.
 */
export interface PreparedRule {
  readonly rule: CompiledRule;
  readonly id: string;
  readonly severity: Finding["severity"];
  readonly policy: string;
  readonly controls: string[];
  readonly title: string;
  readonly skipMessage: string;
  readonly when: CompiledRule["when"];
  readonly assert: CompiledRule["assert"];
  readonly buildEvidence: EvidenceBuilder;
  /** The fail message template split into text and placeholders; null = no template. */
  readonly failTemplate: MessagePart[] | null;
}

const preparedRules = new WeakMap<CompiledRule, PreparedRule>();

export function prepareRule(rule: CompiledRule): PreparedRule {
  let prepared = preparedRules.get(rule);
  if (!prepared) {
    prepared = {
      rule,
      id: rule.definition.id,
      severity: rule.definition.severity,
      policy: rule.definition.policy,
      controls: rule.summary.controls,
      title: rule.definition.title,
      skipMessage: `not applicable: ${rule.definition.when}`,
      when: rule.when,
      assert: rule.assert,
      buildEvidence: evidenceBuilder(rule),
      failTemplate: compileTemplate(rule.definition.failMessage),
    };
    preparedRules.set(rule, prepared);
  }
  return prepared;
}

/** evaluateRule for a prepared rule; the loop of a scan (scan/evaluate-all.ts) calls this directly. */
export function evaluatePrepared(
  prepared: PreparedRule,
  resource: Resource,
  context: ResourceContext,
  unreadableKeys: readonly string[],
): Finding {
  let status: Finding["status"];
  let message: string;
  let debug: string | undefined;
  const anyUnreadable = unreadableKeys.length > 0;
  const unreadable = anyUnreadable ? unreadableReasons(prepared.rule, resource, unreadableKeys) : undefined;
  if (unreadable) {
    status = "error";
    message = `could not evaluate: ${unreadable}`;
  } else {
    const applies = prepared.when ? runExpression(prepared.when, context) : true;
    if (typeof applies !== "boolean") {
      status = "error";
      message = `could not evaluate "when": ${describeNonBoolean(applies)}`;
      debug = "debug" in applies ? applies.debug : undefined;
    } else if (!applies) {
      status = "skip";
      message = prepared.skipMessage;
    } else {
      const holds = runExpression(prepared.assert, context);
      if (typeof holds !== "boolean") {
        status = "error";
        message = `could not evaluate "assert": ${describeNonBoolean(holds)}`;
        debug = "debug" in holds ? holds.debug : undefined;
      } else if (holds) {
        status = "pass";
        message = prepared.title;
      } else {
        status = "fail";
        message = failMessage(prepared, resource, context);
      }
    }
  }
  const finding: Finding = {
    ruleId: prepared.id,
    resourceUid: resource.uid,
    resourceType: resource.type,
    status,
    severity: prepared.severity,
    message,
    evidence: anyUnreadable
      ? collectEvidence(prepared.rule, resource)
      : prepared.buildEvidence(resource.attributes, resource.sources),
    controls: prepared.controls,
    policy: prepared.policy,
  };
  // Only error findings carry raw text; the key is added only then, so other findings keep one shape.
  if (debug !== undefined) finding.debug = debug;
  if (status === "fail" && prepared.rule.offendingLists.length > 0)
    markOffending(prepared.rule, finding, context);
  return finding;
}

type Outcome = boolean | { error: string; debug?: string } | { value: unknown };

function runExpression(expression: CompiledRule["assert"], context: ResourceContext): Outcome {
  try {
    const value = expression(context);
    return typeof value === "boolean" ? value : { value };
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const plain = explainEvaluationError(error);
    return raw === plain ? { error: plain } : { error: plain, debug: raw };
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
function unreadableReasons(
  rule: CompiledRule,
  resource: Resource,
  keys: readonly string[],
): string | undefined {
  const unreadable = resource.unreadable;
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

/**
 * Evidence objects have the same keys and read the same fact paths for every finding of a rule, so each rule
 * gets a generated function that reads its paths with constant property names and builds the evidence as one
 * object literal. Reading dotted paths segment by segment and assigning path keys one by one into a fresh
 * object was the slowest part of evaluation. Keys and segments are JSON-quoted (they are schema-validated
 * evidence paths anyway). Facts are validated against the facts schema, so every intermediate step of a path is
 * an object or absent, and optional chaining reads exactly what `valueAt` would.
 */
type EvidenceBuilder = (
  attributes: Record<string, unknown>,
  sources: Record<string, string>,
) => Record<string, EvidenceValue>;
const evidenceBuilders = new WeakMap<CompiledRule, EvidenceBuilder>();

function evidenceBuilder(rule: CompiledRule): EvidenceBuilder {
  let build = evidenceBuilders.get(rule);
  if (!build) {
    const paths = rule.evidencePaths;
    const reads = paths.map(({ segments }, i) => {
      const read = `a${segments.map((segment) => `?.[${JSON.stringify(segment)}]`).join("")}`;
      return `v${i} = E${i}(${read}, s[${JSON.stringify(segments[0])}])`;
    });
    const literal = `{ ${paths.map(({ path }, i) => `${JSON.stringify(path)}: v${i}`).join(", ")} }`;
    const interners = paths.map(() => evidenceInterner());
    const bindings = ["C = new Map()", "N = { size: 0 }", ...interners.map((_, i) => `E${i} = E[${i}]`)];
    // When every value is a shared one, the evidence object itself is shared too: one frozen object per
    // combination of values (bounded), found through one Map level per field.
    const shared = paths.map((_, i) => `Object.isFrozen(v${i})`).join(" && ") || "true";
    const levels = paths
      .map((_, i) =>
        i < paths.length - 1
          ? `let m${i + 1} = m${i}.get(v${i}); if (m${i + 1} === undefined) { if (N.size >= L) return ${literal}; m${i + 1} = new Map(); m${i}.set(v${i}, m${i + 1}); }`
          : `let o = m${i}.get(v${i}); if (o === undefined) { if (N.size >= L) return ${literal}; o = Object.freeze(${literal}); m${i}.set(v${i}, o); N.size++; } return o;`,
      )
      .join(" ");
    const body =
      paths.length === 0
        ? "return EMPTY;"
        : `const ${reads.join(", ")}; if (!(${shared})) return ${literal}; const m0 = C; ${levels}`;
    build = new Function("E", "L", "EMPTY", `const ${bindings.join(", ")}; return (a, s) => { ${body} };`)(
      interners,
      SHARED_EVIDENCE_PER_RULE,
      EMPTY_EVIDENCE,
    ) as EvidenceBuilder;
    evidenceBuilders.set(rule, build);
  }
  return build;
}

/** Distinct shared evidence objects kept per rule (combinations of shared values). */
const SHARED_EVIDENCE_PER_RULE = 1024;
const EMPTY_EVIDENCE: Record<string, EvidenceValue> = Object.freeze({});

/**
 * Most evidence values are a boolean, a small number or a short string with the same source on every resource,
 * so one rule's findings repeat the same few `{ value, source }` pairs. Each evidence field of a rule hands out
 * one shared, frozen object per distinct primitive value (up to a bound) while the source stays the same, which
 * cuts the objects a scan keeps per finding by more than half. Objects and arrays are never shared.
 */
const INTERNED_VALUES_PER_FIELD = 64;

function evidenceInterner(): (value: unknown, source: string | undefined) => EvidenceValue {
  let currentSource: string | undefined;
  let shared = new Map<unknown, EvidenceValue>();
  // Booleans, the commonest evidence, skip the Map: one slot each.
  let yes: EvidenceValue | undefined;
  let no: EvidenceValue | undefined;
  return (value, source) => {
    if (source !== currentSource) {
      currentSource = source;
      shared = new Map();
      yes = undefined;
      no = undefined;
    }
    switch (typeof value) {
      case "boolean":
        if (value) {
          yes ??= Object.freeze(fresh(true, source));
          return yes;
        }
        no ??= Object.freeze(fresh(false, source));
        return no;
      case "object":
        if (value !== null) return fresh(value, source);
        break;
      case "number":
        // Measurements (ages in hours, sizes) rarely repeat: a lookup would almost always miss.
        if (!Number.isInteger(value)) return fresh(value, source);
        break;
    }
    let evidence = shared.get(value);
    if (evidence === undefined) {
      evidence = fresh(value, source);
      if (shared.size < INTERNED_VALUES_PER_FIELD) shared.set(value, Object.freeze(evidence));
    }
    return evidence;
  };
}

function fresh(value: unknown, source: string | undefined): EvidenceValue {
  return source === undefined ? { value } : { value, source };
}

/** Evidence when some fact could not be read: each path says which, with the collector's reason. */
function collectEvidence(rule: CompiledRule, resource: Resource): Record<string, EvidenceValue> {
  const evidence: Record<string, EvidenceValue> = {};
  for (const { path, segments } of rule.evidencePaths) {
    const source = resource.sources[segments[0] as string];
    const reason = unreadableFor(resource, path);
    if (reason !== undefined)
      evidence[path] = source === undefined ? { unreadable: reason } : { unreadable: reason, source };
    else {
      const value = valueAt(resource.attributes, segments);
      evidence[path] = source === undefined ? { value } : { value, source };
    }
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

/** A fail message template split once into literal text and `{{path}}` placeholders (rules are compiled once). */
type MessagePart = string | { segments: string[] };

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

/**
 * Why a rule failed. The rule's `message` expression when it has one and it gives a string or a list of strings
 * (one per offending element); otherwise the `failMessage` template; otherwise the title.
 */
function failMessage(prepared: PreparedRule, resource: Resource, context: ResourceContext): string {
  const expression = prepared.rule.message;
  if (expression) {
    let value: unknown;
    try {
      value = expression(context);
    } catch {
      // The verdict stands; the message falls back to the template below.
      value = undefined;
    }
    if (typeof value === "string" && value) return value;
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string"))
      return value.join("; ");
  }
  return templateMessage(prepared, resource);
}

/** Mark, in list-valued evidence, the elements that decided the failure (`offending.ts`). */
function markOffending(rule: CompiledRule, finding: Finding, context: ResourceContext): void {
  let evidence: Record<string, EvidenceValue> | undefined;
  for (const list of rule.offendingLists) {
    const current = finding.evidence[list.path];
    if (!current || !("value" in current)) continue;
    const indices = offendingIndices(list, context, current.value);
    if (!indices || indices.length === 0) continue;
    // Evidence objects may be shared between findings: copy before adding to them.
    evidence ??= { ...finding.evidence };
    evidence[list.path] = { ...current, offending: indices };
  }
  if (evidence) finding.evidence = evidence;
}

function templateMessage(prepared: PreparedRule, resource: Resource): string {
  const parts = prepared.failTemplate;
  if (parts === null) return `failed: ${prepared.title}`;
  let message = "";
  for (const part of parts) {
    if (typeof part === "string") message += part;
    else if (part.segments.length === 1 && part.segments[0] === "name") message += resource.name;
    else message += placeholderText(valueAt(resource.attributes, part.segments));
  }
  return message;
}

function placeholderText(value: unknown): string {
  if (value === undefined) return "?";
  if (typeof value === "string") return value;
  // String() writes booleans and finite numbers exactly as JSON does, without JSON.stringify's cost.
  if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value)))
    return String(value);
  return JSON.stringify(value);
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
      // The message is the collector's plain sentence (naming the permission only for a denial); the error
      // code and any raw SDK text go to `debug`.
      const permission =
        error.permission && !error.message.includes(error.permission)
          ? ` (missing permission ${error.permission})`
          : "";
      const finding: Finding = {
        ruleId: rule.definition.id,
        resourceUid: error.scope,
        resourceType: type,
        status: "error",
        severity: rule.definition.severity,
        message: `could not list ${type} in ${error.scope}: ${error.message}${permission}`,
        debug: error.debug ? `${error.code}: ${error.debug}` : error.code,
        evidence: {},
        controls: rule.summary.controls,
        policy: rule.definition.policy,
      };
      findings.push(finding);
    }
  }
  return findings;
}
