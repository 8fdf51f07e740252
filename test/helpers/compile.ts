import type { Resource } from "../../src/core/resource.js";
import { loadPolicyCatalogue } from "../../src/engine/catalogue.js";
import { type CompiledRule, compileRuleSource } from "../../src/engine/load.js";
import { BUILTIN_POLICIES_FILE } from "../../src/engine/paths.js";
import { parseYamlSource } from "../../src/engine/yaml-source.js";

/** Compile one rule from YAML text (file name taken from its id), or throw with its diagnostics. */
export async function compileRuleText(
  text: string,
  controls = new Map<string, string[]>(),
): Promise<CompiledRule> {
  const id = /^id: (\S+)/m.exec(text)?.[1] ?? "X-1";
  const result = compileRuleSource(
    parseYamlSource(`${id}.yaml`, text),
    await loadPolicyCatalogue(BUILTIN_POLICIES_FILE),
    controls,
  );
  if (!result.rule) throw new Error(result.diagnostics.map((d) => d.message).join("; "));
  return result.rule;
}

export function device(attributes: Record<string, unknown>, extra: Partial<Resource> = {}): Resource {
  return {
    uid: "dev-1",
    type: "device",
    provider: "device",
    name: "laptop-1",
    tags: {},
    attributes,
    sources: {},
    unreadable: {},
    collectedAt: "2026-06-01T00:00:00.000Z",
    ...extra,
  };
}
