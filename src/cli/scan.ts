import type { Command } from "commander";

export interface ScanCommandOptions {
  config?: string;
  collectors?: string;
  ruleDir?: string[];
  builtinRules: boolean;
  rules?: string;
  skipRules?: string;
  minSeverity?: string;
  exceptions?: string;
  format?: string;
  out?: string;
  jsonOut?: string;
  outDir?: string;
  excel?: boolean;
  sarifResults?: string;
  failOn?: string;
  allowErrors?: boolean;
  progress: boolean;
}

/**
 * `-o` means the same on every command: where the output of `--format` goes (standard output without it).
 * The JSON report a scan always saves has its own flag, `--json-out`.
 */
export function registerScanCommand(program: Command): void {
  program
    .command("scan")
    .description("Collect posture (this device by default), check it against the rules, write the report")
    .option("-c, --config <file>", "config file (default: ./assay.yaml if present, or $ASSAY_CONFIG)")
    .option("--collectors <names>", "comma-separated collectors to run (device, aws, azure, gcp)")
    .option("-r, --rule-dir <dir...>", "extra rule folder(s) to load")
    .option("--no-builtin-rules", "load only the folders given with --rule-dir")
    .option("--rules <ids>", "evaluate only these rule ids (comma-separated)")
    .option("--skip-rules <ids>", "do not evaluate these rule ids (comma-separated)")
    .option(
      "--min-severity <severity>",
      "evaluate only rules of this severity or above: info|low|medium|high|critical",
    )
    .option("-e, --exceptions <file>", "accepted-risk exceptions file")
    .option("-f, --format <name>", "what to output: table (default), json, or any report format")
    .option("-o, --out <file>", "where to write the --format output (default: standard output)")
    .option(
      "--json-out <file>",
      "where to save the JSON report (default: <out-dir>/assay-<time>-<id>.json; with -f json -o FILE, FILE)",
    )
    .option("--out-dir <dir>", "folder for the report files (default: reports)")
    .option("--excel", "csv: write for Excel (UTF-8 byte order mark, CRLF)")
    .option("--sarif-results <which>", "sarif: fail (default), fail-error (adds could-not-evaluate), or all")
    .option(
      "--fail-on <severity>",
      "exit 1 when a check of this severity or above fails or could not run: info|low|medium|high|critical|none",
    )
    .option(
      "--allow-errors",
      "with --fail-on, do not count checks that could not run (error findings, a collector with 0 resources)",
    )
    .option("--no-progress", "do not show progress on a terminal")
    .action(async (options: ScanCommandOptions) => {
      const { runScanCommand } = await import("./scan-action.js");
      process.exitCode = await runScanCommand(options);
    });
}
