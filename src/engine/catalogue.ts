import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { type Diagnostic, DiagnosticsError } from "../core/errors.js";
import { readYamlSource, zodDiagnostics } from "./yaml-source.js";

/**
 * rules/policies.yaml: each technical control statement of the seeds, by key. Rules name the key they
 * check; `manual` lists the evidence an auditor should ask for where no rule can answer (or only part of the
 * statement is automated). A statement with neither is unaccounted for, which the shipped-rules test refuses.
 */
export const PolicyCatalogueSchema = z.strictObject({
  policies: z.record(
    z.string().regex(/^[a-z0-9-]+$/),
    z.strictObject({
      name: z.string().min(1),
      source: z.string().min(1),
      quote: z.string().min(10),
      manual: z.array(z.string().min(10)).min(1).optional(),
    }),
  ),
});
export type PolicyCatalogue = z.infer<typeof PolicyCatalogueSchema>["policies"];

/** rules/frameworks/<id>.yaml: a framework's controls and the rules that give evidence for each. */
export const FrameworkSchema = z.strictObject({
  framework: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  version: z.string().optional(),
  source: z.string().optional(),
  controls: z.array(
    z.strictObject({
      id: z.string().min(1),
      title: z.string().min(1),
      description: z.string().optional(),
      rules: z.array(z.string()).default([]),
      /** Evidence gathered by hand that the control also needs (all of it when it has no rules). */
      manual: z.array(z.string().min(1)).optional(),
    }),
  ),
});
export type Framework = z.infer<typeof FrameworkSchema>;

/** The framework id under which coverage lists the seed control statements of rules/policies.yaml. */
export const SEED_POLICIES_FRAMEWORK = "seed-policies";

/**
 * The seed control statements as a framework, so every coverage output lists them beside ISO 27001 and
 * Cyber Essentials: each policy key with the rules that name it and the evidence to gather by hand. Only for
 * coverage: rules do not gain it as a control (their findings name framework controls only).
 */
export function seedPolicyFramework(
  policies: PolicyCatalogue,
  rules: readonly { id: string; policy: string }[],
): Framework {
  return {
    framework: SEED_POLICIES_FRAMEWORK,
    title: "Seed control statements (rules/policies.yaml)",
    source: "The technical controls of the two seed documents, each quoted verbatim in rules/policies.yaml",
    controls: Object.entries(policies).map(([key, policy]) => ({
      id: key,
      title: policy.name,
      description: policy.quote,
      rules: rules.filter((r) => r.policy === key).map((r) => r.id),
      ...(policy.manual ? { manual: policy.manual } : {}),
    })),
  };
}

export async function loadPolicyCatalogue(file: string): Promise<PolicyCatalogue> {
  const source = await readYamlSource(file);
  if (source.syntaxErrors.length)
    throw new DiagnosticsError("POLICIES_INVALID", `${file} is not valid YAML`, source.syntaxErrors);
  const parsed = PolicyCatalogueSchema.safeParse(source.value);
  if (!parsed.success) {
    throw new DiagnosticsError(
      "POLICIES_INVALID",
      `${file} is not a valid policy catalogue`,
      zodDiagnostics(source, parsed.error, "POLICIES_INVALID"),
    );
  }
  return parsed.data.policies;
}

export async function loadFrameworks(dir: string): Promise<Framework[]> {
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  const frameworks: Framework[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of files) {
    const source = await readYamlSource(join(dir, name));
    if (source.syntaxErrors.length) {
      diagnostics.push(...source.syntaxErrors);
      continue;
    }
    const parsed = FrameworkSchema.safeParse(source.value);
    if (parsed.success) frameworks.push(parsed.data);
    else diagnostics.push(...zodDiagnostics(source, parsed.error, "FRAMEWORK_INVALID"));
  }
  if (diagnostics.length)
    throw new DiagnosticsError("FRAMEWORK_INVALID", "framework files are invalid", diagnostics);
  return frameworks;
}

/** rule id → `framework:control` ids that the rule gives evidence for. */
export function controlsByRule(frameworks: Framework[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const framework of frameworks) {
    for (const control of framework.controls) {
      for (const ruleId of control.rules) {
        const list = map.get(ruleId) ?? [];
        list.push(`${framework.framework}:${control.id}`);
        map.set(ruleId, list);
      }
    }
  }
  return map;
}
