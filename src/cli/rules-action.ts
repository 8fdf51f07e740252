import { loadConfig } from "../core/config.js";
import { AssayError, DiagnosticsError, formatDiagnostic } from "../core/errors.js";
import { profileDefaults, resolveProfile } from "../core/profile.js";
import { danglingFrameworkRules, loadRules, type RuleSet } from "../engine/load.js";
import { BUILTIN_RULES_DIR } from "../engine/paths.js";
import { runRuleTests } from "../engine/rule-tests.js";
import type { RulesOptions } from "./rules.js";

async function load(options: RulesOptions): Promise<RuleSet> {
  const dirs = [...(options.builtinRules ? [BUILTIN_RULES_DIR] : []), ...(options.ruleDir ?? [])];
  if (dirs.length === 0)
    throw new AssayError("USAGE", "no rule folders: give --rule-dir <dir> or keep the built-in rules");
  return loadRules({ dirs });
}

export async function listRules(options: RulesOptions): Promise<number> {
  const set = await load(options);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        set.rules.map((r) => ({ ...r.summary, file: r.file })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  for (const rule of set.rules) {
    const s = rule.summary;
    process.stdout.write(
      `${s.id.padEnd(16)} ${s.severity.padEnd(8)} ${s.resourceTypes.join(",").padEnd(22)} ${s.title}  [${s.policyName}]${s.controls.length ? ` ${s.controls.join(" ")}` : ""}\n`,
    );
  }
  process.stdout.write(`${set.rules.length} rule(s)\n`);
  return 0;
}

export async function lintRules(options: RulesOptions): Promise<number> {
  try {
    const set = await load(options);
    const dangling = options.builtinRules && !options.ruleDir?.length ? danglingFrameworkRules(set) : [];
    for (const d of dangling) process.stderr.write(`${formatDiagnostic(d)}\n`);
    if (dangling.length) return 1;
    process.stdout.write(`${set.rules.length} rule(s) OK\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof DiagnosticsError)) throw error;
    for (const d of error.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    process.stderr.write(`${error.diagnostics.length} problem(s)\n`);
    return 1;
  }
}

export async function testRules(options: RulesOptions): Promise<number> {
  const set = await load(options);
  const results = await runRuleTests(set);
  let passed = 0;
  let failed = 0;
  for (const result of results) {
    for (const problem of result.problems) {
      failed += 1;
      process.stderr.write(`${formatDiagnostic(problem)}\n`);
    }
    for (const c of result.cases) {
      if (c.ok) passed += 1;
      else {
        failed += 1;
        process.stderr.write(
          `FAIL ${result.ruleId} "${c.name}": expected ${c.expected}, got ${c.actual} (${c.message})\n`,
        );
      }
    }
  }
  process.stdout.write(`${results.length} rule(s): ${passed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

/** The profile a scan with this config would apply: every key, its value, whether the config set it, and why the default is what it is. */
export async function showProfile(options: { config?: string; json?: boolean }): Promise<number> {
  const { config } = await loadConfig(options.config);
  const profile = resolveProfile(config.profile);
  const values = profile.values as unknown as Record<string, Record<string, number | string>>;
  const keys = profileDefaults().map((d) => {
    const [section = "", key = ""] = d.key.split(".");
    return { ...d, value: values[section]?.[key], overridden: profile.overridden.includes(d.key) };
  });
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ name: profile.name, digest: profile.digest, keys }, null, 2)}\n`,
    );
    return 0;
  }
  process.stdout.write(`${profile.name}\n${profile.digest}\n\n`);
  for (const k of keys) {
    const origin = k.overridden ? `set in the config (default ${k.default})` : k.source;
    process.stdout.write(`${k.key.padEnd(34)} ${String(k.value).padEnd(6)} ${origin}\n`);
  }
  return 0;
}
