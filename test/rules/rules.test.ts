import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { DiagnosticsError, formatDiagnostic } from "../../src/core/errors.js";
import { danglingFrameworkRules, loadRules, type RuleSet } from "../../src/engine/load.js";
import { BUILTIN_RULES_DIR, PACKAGE_ROOT } from "../../src/engine/paths.js";
import { runRuleTests } from "../../src/engine/rule-tests.js";

/** Every shipped rule: lints clean, cites a real seed sentence, and passes its own test cases. */
async function loadShipped(): Promise<RuleSet> {
  try {
    return await loadRules({ dirs: [BUILTIN_RULES_DIR] });
  } catch (error) {
    if (error instanceof DiagnosticsError)
      throw new Error(error.diagnostics.map(formatDiagnostic).join("\n"));
    throw error;
  }
}

const ruleSet = await loadShipped();
const results = await runRuleTests(ruleSet);

const POLICY_FOLDERS = new Set([
  "encryption",
  "key-management",
  "backup",
  "patching",
  "access-control",
  "password",
  "remote-access",
  "removable-media",
  "clear-screen",
  "malware",
  "monitoring",
  "information-transfer",
  "identity",
  "networks",
  "data-security",
  "retention",
  "device-security",
]);

describe("shipped rules", () => {
  it("load without problems and framework files name only existing rules", () => {
    expect(ruleSet.rules.length).toBeGreaterThan(0);
    expect(danglingFrameworkRules(ruleSet).map(formatDiagnostic)).toEqual([]);
  });

  it("live in a folder named after a seed policy", () => {
    const misplaced = ruleSet.rules
      .map((r) => relative(BUILTIN_RULES_DIR, dirname(r.file)))
      .filter((folder) => !POLICY_FOLDERS.has(folder));
    expect(misplaced).toEqual([]);
  });

  it("cite policy sentences that appear verbatim in the seed documents", () => {
    // The seeds sit beside the checkout (../shared) or, in a worktree under wt/, two levels up.
    const seeds =
      [join(PACKAGE_ROOT, "..", "shared", "seeds"), join(PACKAGE_ROOT, "..", "..", "shared", "seeds")].find(
        (dir) => existsSync(dir),
      ) ?? join(PACKAGE_ROOT, "..", "shared", "seeds");
    const texts: Record<string, string> = existsSync(seeds)
      ? {
          cloudthing: readFileSync(join(seeds, "000_e9927352d3c2a00d.txt"), "utf8"),
          cloudm: readFileSync(join(seeds, "001_0b7c8c3ca7dbefa9.txt"), "utf8"),
        }
      : {};
    // Without the seeds beside the checkout, at least the catalogue must name a known source.
    for (const [key, policy] of Object.entries(ruleSet.policies)) {
      expect(["cloudthing", "cloudm"], key).toContain(policy.source);
      if (texts[policy.source]) expect(texts[policy.source], key).toContain(policy.quote);
    }
  });

  it("account for every seed control statement: each policy key has rules or lists its manual evidence", () => {
    const checked = new Set(ruleSet.rules.map((r) => r.definition.policy));
    const unaccounted = Object.entries(ruleSet.policies)
      .filter(([key, policy]) => !checked.has(key) && !policy.manual?.length)
      .map(([key]) => key);
    expect(unaccounted).toEqual([]);
  });

  it("each have test cases covering pass and fail (and skip when they have a precondition)", () => {
    const problems = results.flatMap((r) => r.problems.map(formatDiagnostic));
    expect(problems).toEqual([]);
  });
});

describe.each(results.map((r) => [basename(r.file), r] as const))("%s", (_file, result) => {
  it.each(result.cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect({ status: c.actual, message: c.message }).toMatchObject({ status: c.expected });
  });
});
