import type { Command } from "commander";

export interface ScanCommandOptions {
  config?: string;
  collectors?: string;
  rules?: string[];
  builtinRules: boolean;
  exceptions?: string;
  format?: string;
  out?: string;
  outDir?: string;
  failOn?: string;
  progress: boolean;
}

export function registerScanCommand(program: Command): void {
  program
    .command("scan")
    .description("Collect posture (this device by default), check it against the rules, write the report")
    .option("-c, --config <file>", "config file (default: ./assay.yaml if present, or $ASSAY_CONFIG)")
    .option("--collectors <names>", "comma-separated collectors to run (device, aws, azure, gcp)")
    .option("-r, --rules <dir...>", "extra rule folder(s) to load")
    .option("--no-builtin-rules", "load only the folders given with --rules")
    .option("-e, --exceptions <file>", "accepted-risk exceptions file")
    .option("-f, --format <name>", "what to print: table (default), json, or any report format")
    .option("-o, --out <file>", "where to write the JSON report (default: reports/assay-<time>-<id>.json)")
    .option("--out-dir <dir>", "folder for the report files (default: reports)")
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding of this severity or above fails: info|low|medium|high|critical|none",
    )
    .option("--no-progress", "do not show progress on a terminal")
    .action(async (options: ScanCommandOptions) => {
      const { runScanCommand } = await import("./scan-action.js");
      process.exitCode = await runScanCommand(options);
    });
}
