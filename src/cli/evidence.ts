import type { Command } from "commander";
import type { BundleCommandOptions, VerifyCommandOptions } from "../evidence/cli-actions.js";

/**
 * `assay evidence bundle` (download an evidence bundle from a store, as an auditor) and `assay evidence
 * verify` (check one offline: no store, no network). Everything heavy is imported inside the actions.
 */
export function registerEvidenceCommand(program: Command): void {
  const evidence = program.command("evidence").description("Evidence bundles for auditors");
  const repeat = (v: string, all: string[]) => [...all, v];
  evidence
    .command("bundle")
    .description("Download an evidence bundle (zip) for a framework, controls and period from a report store")
    .requiredOption(
      "--store <url>",
      "the report store, e.g. https://assay.example.com (or ASSAY_STORE_URL)",
      process.env.ASSAY_STORE_URL,
    )
    .option("--framework <id>", "framework id, e.g. iso27001-2022")
    .option(
      "--control <id>",
      "control id within the framework, repeatable (default: every control)",
      repeat,
      [],
    )
    .requiredOption("--from <time>", "start of the period (ISO-8601 date or time, UTC)")
    .requiredOption("--to <time>", "end of the period, inclusive (ISO-8601 date or time, UTC)")
    .option(
      "--witnessed <file>",
      "a checkpoint you kept earlier (repeatable): the bundle then carries the proof that the store's log extends it",
      repeat,
      [],
    )
    .requiredOption("-o, --out <file>", "where to write the bundle (.zip)")
    .addHelpText("after", "\nThe auditor token is read from ASSAY_TOKEN (never pass it on the command line).")
    .action(async (options: BundleCommandOptions) => {
      const { bundleCommand } = await import("../evidence/cli-actions.js");
      process.exitCode = await bundleCommand(options);
    });
  evidence
    .command("verify")
    .description(
      "Verify an evidence bundle offline against the store's public key; exit 1 naming every failure",
    )
    .argument("<bundle>", "the bundle (.zip)")
    .requiredOption(
      "--store-key <file>",
      "the store's public key as printed by `assay store key` (verifier key line)",
    )
    .option("--checkpoint <file>", "a checkpoint you kept earlier: the bundle's log must extend it")
    .option("--json", "print the result as JSON")
    .action(async (bundle: string, options: VerifyCommandOptions) => {
      const { verifyCommand } = await import("../evidence/cli-actions.js");
      process.exitCode = await verifyCommand(bundle, options);
    });
}
