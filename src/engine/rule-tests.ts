import { existsSync } from "node:fs";
import { z } from "zod";
import type { Diagnostic } from "../core/errors.js";
import { factsSchemaFor } from "../core/facts/index.js";
import { FindingStatusSchema } from "../core/finding.js";
import { type ProfileOverrides, ProfileOverridesSchema, resolveProfile } from "../core/profile.js";
import { ResourceSchema } from "../core/resource.js";
import { evaluateRule } from "./evaluate.js";
import type { CompiledRule, RuleSet } from "./load.js";
import { readYamlSource, zodDiagnostics } from "./yaml-source.js";

/**
 * `<id>.test.yaml` beside each rule: resources that must pass, fail, skip (or error). Every fixture is
 * validated against the facts schema of its type, so test inputs cannot drift from what collectors emit.
 */
const CaseResourceSchema = z.strictObject({
  type: z.string().optional(),
  uid: z.string().optional(),
  name: z.string().optional(),
  provider: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  attributes: z.record(z.string(), z.unknown()),
  sources: z.record(z.string(), z.string()).optional(),
  unreadable: z.record(z.string(), z.string()).optional(),
});

export const RuleTestFileSchema = z.strictObject({
  rule: z.string(),
  /** Evaluation time for every case, so time-based rules are deterministic. */
  now: z.iso.datetime().optional(),
  /** Profile values for every case, over the shipped defaults (a case may override them again). */
  profile: ProfileOverridesSchema.optional(),
  cases: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        expect: FindingStatusSchema,
        /** The finding's message, when the case checks it (a rule's `message` expression). */
        message: z.string().optional(),
        /** Profile values for this case, over the file's and the shipped defaults. */
        profile: ProfileOverridesSchema.optional(),
        resource: CaseResourceSchema,
      }),
    )
    .min(1),
});

export interface RuleTestResult {
  ruleId: string;
  file: string;
  cases: { name: string; expected: string; actual: string; message: string; ok: boolean }[];
  problems: Diagnostic[];
}

export const DEFAULT_TEST_NOW = "2026-06-01T00:00:00.000Z";

export function testFileFor(rule: CompiledRule): string {
  return rule.file.replace(/\.ya?ml$/, ".test.yaml");
}

export async function runRuleTests(
  ruleSet: RuleSet,
  only?: (rule: CompiledRule) => boolean,
): Promise<RuleTestResult[]> {
  const selected = only ? ruleSet.rules.filter(only) : ruleSet.rules;
  return Promise.all(selected.map(runRuleTest));
}

async function runRuleTest(rule: CompiledRule): Promise<RuleTestResult> {
  const file = testFileFor(rule);
  const result: RuleTestResult = { ruleId: rule.definition.id, file, cases: [], problems: [] };
  if (!existsSync(file)) {
    result.problems.push({
      code: "RULE_TEST_MISSING",
      message: `rule ${rule.definition.id} has no test cases`,
      location: { file },
    });
    return result;
  }
  const source = await readYamlSource(file);
  if (source.syntaxErrors.length) {
    result.problems.push(...source.syntaxErrors);
    return result;
  }
  const parsed = RuleTestFileSchema.safeParse(source.value);
  if (!parsed.success) {
    result.problems.push(...zodDiagnostics(source, parsed.error, "RULE_TEST_INVALID"));
    return result;
  }
  const spec = parsed.data;
  if (spec.rule !== rule.definition.id) {
    result.problems.push({
      code: "RULE_TEST_INVALID",
      message: `names rule ${spec.rule}, expected ${rule.definition.id}`,
      location: source.locate(["rule"]),
      field: "rule",
    });
  }
  const now = new Date(spec.now ?? DEFAULT_TEST_NOW);
  spec.cases.forEach((testCase, index) => {
    const type = testCase.resource.type ?? rule.resourceTypes[0] ?? "device";
    const resource = ResourceSchema.safeParse({
      uid: testCase.resource.uid ?? `test:${rule.definition.id}:${index}`,
      type,
      provider: testCase.resource.provider ?? type.split(".")[0],
      name: testCase.resource.name ?? testCase.name,
      account: testCase.resource.account,
      region: testCase.resource.region,
      tags: testCase.resource.tags ?? {},
      attributes: testCase.resource.attributes,
      sources: testCase.resource.sources ?? {},
      unreadable: testCase.resource.unreadable ?? {},
      collectedAt: now.toISOString(),
    });
    if (!resource.success) {
      result.problems.push(
        ...zodDiagnostics(source, resource.error, "RULE_TEST_INVALID", ["cases", index, "resource"]),
      );
      return;
    }
    const facts = factsSchemaFor(type);
    if (!facts) {
      result.problems.push({
        code: "RULE_TEST_INVALID",
        message: `no facts schema for type ${type}`,
        location: source.locate(["cases", index]),
      });
      return;
    }
    const factsCheck = facts.safeParse(testCase.resource.attributes);
    if (!factsCheck.success) {
      result.problems.push(
        ...zodDiagnostics(source, factsCheck.error, "RULE_TEST_FACTS", [
          "cases",
          index,
          "resource",
          "attributes",
        ]),
      );
      return;
    }
    const profile = resolveProfile(mergeOverrides(spec.profile, testCase.profile));
    const finding = evaluateRule(rule, resource.data, now, {
      resource: resource.data,
      now,
      profile: profile.values,
    });
    result.cases.push({
      name: testCase.name,
      expected: testCase.message === undefined ? testCase.expect : `${testCase.expect}: ${testCase.message}`,
      actual: testCase.message === undefined ? finding.status : `${finding.status}: ${finding.message}`,
      message: finding.message,
      ok:
        finding.status === testCase.expect &&
        (testCase.message === undefined || finding.message === testCase.message),
    });
  });
  const expected = new Set<string>(spec.cases.map((c) => c.expect));
  for (const needed of ["pass", "fail", ...(rule.when ? ["skip"] : [])] as const) {
    if (!expected.has(needed)) {
      result.problems.push({
        code: "RULE_TEST_INCOMPLETE",
        message: `rule ${rule.definition.id} needs at least one "${needed}" case`,
        location: { file },
      });
    }
  }
  return result;
}

/** A case's profile overrides over the file's, section by section. */
function mergeOverrides(
  file: ProfileOverrides | undefined,
  testCase: ProfileOverrides | undefined,
): ProfileOverrides | undefined {
  if (!file || !testCase) return testCase ?? file;
  const merged: Record<string, unknown> = { ...file };
  for (const [key, value] of Object.entries(testCase)) {
    const base = merged[key];
    merged[key] =
      typeof value === "object" && value !== null && typeof base === "object" && base !== null
        ? { ...base, ...value }
        : value;
  }
  return merged as ProfileOverrides;
}
