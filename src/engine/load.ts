import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { z } from "zod";
import { type Diagnostic, DiagnosticsError } from "../core/errors.js";
import { factsSchemaFor } from "../core/facts/index.js";
import { ProfileValuesSchema } from "../core/profile.js";
import { ResourceSchema } from "../core/resource.js";
import {
  type RuleDefinition,
  RuleSchema,
  type RuleSummary,
  remediationSummary,
  ruleResourceTypes,
} from "../core/rule.js";
import {
  controlsByRule,
  type Framework,
  loadFrameworks,
  loadPolicyCatalogue,
  type PolicyCatalogue,
} from "./catalogue.js";
import {
  type CelAstNode,
  CelSyntaxError,
  type CompiledExpression,
  collectReferences,
  compileCel,
} from "./cel.js";
import { typeOfFor } from "./fact-types.js";
import { findOffendingLists, type OffendingList } from "./offending.js";
import { BUILTIN_FRAMEWORKS_DIR, BUILTIN_POLICIES_FILE } from "./paths.js";
import { schemaHasPath } from "./schema-paths.js";
import { expressionKind, typeCheck } from "./type-check.js";
import { readYamlSource, type YamlSource, zodDiagnostics } from "./yaml-source.js";

/** A rule ready to evaluate: expressions compiled once, paths resolved once. */
export interface CompiledRule {
  definition: RuleDefinition;
  file: string;
  resourceTypes: string[];
  when?: CompiledExpression;
  assert: CompiledExpression;
  /** The `message` expression, evaluated on a failure. */
  message?: CompiledExpression;
  /** List-valued evidence whose offending elements a failure marks (`offending.ts`). */
  offendingLists: OffendingList[];
  /** Every attribute path the rule reads (for matching unreadable facts), dotted, `[]` steps removed. */
  readPaths: string[];
  evidencePaths: { path: string; segments: string[] }[];
  summary: RuleSummary;
}

export interface RuleSet {
  rules: CompiledRule[];
  policies: PolicyCatalogue;
  frameworks: Framework[];
  /** Rule files found (including ones with problems), for `rules list`. */
  files: string[];
}

export interface LoadRulesOptions {
  dirs: string[];
  policiesFile?: string;
  frameworkDirs?: string[];
}

/** What a `message` expression may give, as cel-js's checker names it. */
const MESSAGE_TYPES = new Set(["string", "list<string>", "list", "list<dyn>", "dyn"]);
const NON_RULE_FILES = new Set(["policies.yaml", "exceptions.yaml"]);
const RESOURCE_MEMBERS = new Set(Object.keys(ResourceSchema.shape));

/** Every rule file under the folders: `*.yaml` except test cases, the policy catalogue and framework files. */
export async function findRuleFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir))
    throw new DiagnosticsError("RULES_DIR_MISSING", "rule folder not found", [
      { code: "RULES_DIR_MISSING", message: "no such folder", location: { file: dir } },
    ]);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter(
      (e) =>
        e.isFile() &&
        /\.ya?ml$/.test(e.name) &&
        !/\.test\.ya?ml$/.test(e.name) &&
        !NON_RULE_FILES.has(e.name),
    )
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => !relative(dir, file).split(/[\\/]/).includes("frameworks"))
    .sort();
}

/**
 * Load, validate and compile every rule in the folders. All problems are collected and thrown together as
 * one DiagnosticsError, each naming its file, line and column.
 */
export async function loadRules(options: LoadRulesOptions): Promise<RuleSet> {
  const policies = await loadPolicyCatalogue(options.policiesFile ?? BUILTIN_POLICIES_FILE);
  const frameworks = (
    await Promise.all((options.frameworkDirs ?? [BUILTIN_FRAMEWORKS_DIR]).map(loadFrameworks))
  ).flat();
  const controls = controlsByRule(frameworks);
  const files = (await Promise.all(options.dirs.map(findRuleFiles))).flat();
  const diagnostics: Diagnostic[] = [];
  const rules: CompiledRule[] = [];
  const seen = new Map<string, string>();

  const sources = await Promise.all(files.map(readYamlSource));
  for (const source of sources) {
    const result = compileRuleSource(source, policies, controls);
    diagnostics.push(...result.diagnostics);
    if (!result.rule) continue;
    const previous = seen.get(result.rule.definition.id);
    if (previous) {
      diagnostics.push({
        code: "RULE_DUPLICATE_ID",
        message: `rule id ${result.rule.definition.id} is also defined in ${previous}`,
        location: source.locate(["id"]),
        field: "id",
      });
      continue;
    }
    seen.set(result.rule.definition.id, source.file);
    rules.push(result.rule);
  }
  if (diagnostics.length)
    throw new DiagnosticsError(
      "RULES_INVALID",
      `${diagnostics.length} problem(s) in rule files`,
      diagnostics,
    );
  return { rules, policies, frameworks, files };
}

/** Framework controls that name a rule id no loaded rule has (a typo, or a rule that was removed). */
export function danglingFrameworkRules(ruleSet: RuleSet): Diagnostic[] {
  const known = new Set(ruleSet.rules.map((r) => r.definition.id));
  const diagnostics: Diagnostic[] = [];
  for (const framework of ruleSet.frameworks) {
    for (const control of framework.controls) {
      for (const id of control.rules.filter((r) => !known.has(r))) {
        diagnostics.push({
          code: "FRAMEWORK_UNKNOWN_RULE",
          message: `control ${control.id} names rule ${id}, which does not exist`,
          location: { file: `frameworks/${framework.framework}.yaml` },
        });
      }
    }
  }
  return diagnostics;
}

export function compileRuleSource(
  source: YamlSource,
  policies: PolicyCatalogue,
  controls: Map<string, string[]>,
): { rule?: CompiledRule; diagnostics: Diagnostic[] } {
  if (source.syntaxErrors.length) return { diagnostics: source.syntaxErrors };
  const parsed = RuleSchema.safeParse(source.value);
  if (!parsed.success) return { diagnostics: zodDiagnostics(source, parsed.error, "RULE_INVALID") };
  const definition = parsed.data;
  const diagnostics: Diagnostic[] = [];
  const problem = (field: string, code: string, message: string, offset?: number) =>
    diagnostics.push({
      code,
      message,
      field,
      location: offset === undefined ? source.locate([field]) : source.locateInScalar([field], offset),
    });

  const expectedId = basename(source.file).replace(/\.ya?ml$/, "");
  if (definition.id !== expectedId)
    problem("id", "RULE_ID_MISMATCH", `rule id ${definition.id} must match the file name (${expectedId})`);
  const policy = policies[definition.policy];
  if (!policy)
    problem(
      "policy",
      "RULE_UNKNOWN_POLICY",
      `unknown policy "${definition.policy}"; known: ${Object.keys(policies).join(", ")}`,
    );

  const resourceTypes = ruleResourceTypes(definition);
  const schemas: [string, z.ZodType][] = [];
  for (const type of resourceTypes) {
    const schema = factsSchemaFor(type);
    if (schema) schemas.push([type, schema]);
    else problem("resource", "RULE_UNKNOWN_RESOURCE_TYPE", `no facts schema for resource type "${type}"`);
  }

  const readPaths = new Set<string>();
  // With an unknown resource type there is nothing to type against; that problem is reported above.
  const typeOf =
    schemas.length === resourceTypes.length ? typeOfFor(schemas.map(([, schema]) => schema)) : undefined;
  let assertAst: CelAstNode | undefined;
  const compile = (
    field: "when" | "assert" | "message",
    expression: string,
  ): CompiledExpression | undefined => {
    try {
      const { evaluate, ast, type } = compileCel(expression, typeOf);
      if (field === "assert") assertAst = ast;
      if (field === "message") {
        // cel-js types facts as dyn; the facts schemas may know better (`message: resource.attributes.enabled`).
        const kind = typeOf ? expressionKind(ast, typeOf) : undefined;
        const named =
          kind && kind !== "string" && kind !== "list" ? kind : MESSAGE_TYPES.has(type) ? undefined : type;
        if (named)
          problem(
            field,
            "RULE_MESSAGE_TYPE",
            `message must give a string or a list of strings, not ${named}`,
            0,
          );
      }
      if (typeOf)
        for (const { message, offset } of typeCheck(ast, typeOf))
          problem(field, "RULE_CEL_TYPE", message, offset);
      const refs = collectReferences(ast);
      for (const member of refs.resourceMembers) {
        if (!RESOURCE_MEMBERS.has(member.name)) {
          problem(field, "RULE_UNKNOWN_ATTRIBUTE", `resource has no member "${member.name}"`, member.offset);
        }
      }
      for (const ref of refs.profile) {
        // Thresholds come from the organisation profile; a key it does not have is a typo, not a default.
        if (!schemaHasPath(ProfileValuesSchema as unknown as z.ZodType, ref.path))
          problem(
            field,
            "RULE_UNKNOWN_PROFILE_KEY",
            `the organisation profile has no key "${ref.path.join(".")}"`,
            ref.offset,
          );
      }
      for (const ref of refs.attributes) {
        const path = ref.path.filter((s) => s !== "*");
        for (const [type, schema] of schemas) {
          if (
            !schemaHasPath(
              schema,
              ref.path.filter((s) => s !== "*"),
            )
          ) {
            problem(
              field,
              "RULE_UNKNOWN_ATTRIBUTE",
              `the ${type} facts schema has no attribute "${path.join(".").replaceAll(".[]", "[]")}"`,
              ref.offset,
            );
          }
        }
        const dotted = path.filter((s) => s !== "[]").join(".");
        // The message is only evaluated on a failure; a fact it alone reads does not make the rule `error`.
        if (dotted && field !== "message") readPaths.add(dotted);
      }
      return evaluate;
    } catch (error) {
      if (error instanceof CelSyntaxError) {
        problem(field, "RULE_CEL_SYNTAX", `CEL: ${error.message}`, error.offset);
        return undefined;
      }
      throw error;
    }
  };
  const when = definition.when === undefined ? undefined : compile("when", definition.when);
  const assert = compile("assert", definition.assert);
  const message = definition.message === undefined ? undefined : compile("message", definition.message);

  const evidencePaths = definition.evidence.map((path, index) => {
    const segments = path.split(".");
    for (const [type, schema] of schemas) {
      if (!schemaHasPath(schema, segments)) {
        diagnostics.push({
          code: "RULE_UNKNOWN_ATTRIBUTE",
          message: `evidence path "${path}" is not in the ${type} facts schema`,
          field: `evidence.${index}`,
          location: source.locate(["evidence", index]),
        });
      }
    }
    return { path, segments };
  });

  if (
    diagnostics.length ||
    !assert ||
    !assertAst ||
    (definition.when !== undefined && !when) ||
    (definition.message !== undefined && !message)
  )
    return { diagnostics };
  return {
    diagnostics,
    rule: {
      definition,
      file: source.file,
      resourceTypes,
      when,
      assert,
      message,
      offendingLists: findOffendingLists(
        assertAst,
        evidencePaths.map((e) => e.path),
      ),
      readPaths: [...readPaths],
      evidencePaths,
      summary: {
        id: definition.id,
        title: definition.title,
        severity: definition.severity,
        resourceTypes,
        policy: definition.policy,
        policyName: policy?.name ?? definition.policy,
        ...remediationSummary(definition.remediation),
        controls: controls.get(definition.id) ?? [],
      },
    },
  };
}
