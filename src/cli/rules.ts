import type { Command } from "commander";

interface RulesOptions {
  ruleDir?: string[];
  builtinRules: boolean;
  json?: boolean;
}

export function registerRulesCommand(program: Command): void {
  const rules = program.command("rules").description("List, lint and test rule files");
  const common = (cmd: Command) =>
    cmd
      .option("-r, --rule-dir <dir...>", "extra rule folder(s)")
      .option("--no-builtin-rules", "only the folders given with --rule-dir");
  common(
    rules
      .command("list")
      .description("List the rules, their policy, severity and controls")
      .option("--json", "print JSON"),
  ).action(async (options: RulesOptions) => {
    const { listRules } = await import("./rules-action.js");
    process.exitCode = await listRules(options);
  });
  common(
    rules.command("lint").description("Check every rule file: schema, policy, CEL syntax, attribute paths"),
  ).action(async (options: RulesOptions) => {
    const { lintRules } = await import("./rules-action.js");
    process.exitCode = await lintRules(options);
  });
  rules
    .command("profile")
    .description("Show the organisation profile the rules' thresholds come from: each value and its source")
    .option("-c, --config <file>", "assay.yaml whose profile: section overrides the defaults")
    .option("--json", "print JSON")
    .action(async (options: { config?: string; json?: boolean }) => {
      const { showProfile } = await import("./rules-action.js");
      process.exitCode = await showProfile(options);
    });
  common(rules.command("test").description("Run each rule's <id>.test.yaml cases")).action(
    async (options: RulesOptions) => {
      const { testRules } = await import("./rules-action.js");
      process.exitCode = await testRules(options);
    },
  );
}

export type { RulesOptions };
