import type { Command } from "commander";

export interface ReportRenderOptions {
  format: string;
  baseline?: string;
  out?: string;
  frameworks?: string;
  excel?: boolean;
  sarifResults?: string;
}

/**
 * `assay report render <scan.json> --format html|coverage|csv|ocsf|ocsf-jsonl|oscal|sarif|junit|json`:
 * re-render a saved scan report without re-scanning. Everything heavy loads inside the action.
 */
export function registerReportCommand(program: Command): void {
  const report = program.command("report").description("Work with saved scan reports");
  report
    .command("render")
    .description("Render a saved scan report (JSON) into another format")
    .argument("<scan>", "a scan report written by `assay scan` (JSON)")
    .option(
      "-f, --format <name>",
      "output format (html, coverage, csv, ocsf, ocsf-jsonl, oscal, sarif, junit, json)",
      "html",
    )
    .option("-b, --baseline <scan>", "an earlier scan report, for the changes section of the HTML report")
    .option("-o, --out <file>", "where to write the --format output (default: standard output)")
    .option("--excel", "csv: write for Excel (UTF-8 byte order mark, CRLF)")
    .option("--sarif-results <which>", "sarif: fail (default), fail-error (adds could-not-evaluate), or all")
    .option(
      "--frameworks <dir>",
      "folder of framework control catalogues (default: the built-in rules/frameworks)",
    )
    .action(async (scan: string, options: ReportRenderOptions) => {
      await renderSavedReport(scan, options);
    });
}

export async function renderSavedReport(scanFile: string, options: ReportRenderOptions): Promise<void> {
  const [
    { existsSync },
    { AssayError },
    { loadRenderer, formatNames },
    { loadFrameworks, loadPolicyCatalogue, seedPolicyFramework },
    { BUILTIN_FRAMEWORKS_DIR, BUILTIN_POLICIES_FILE },
    { formatFlags, writeChunks },
  ] = await Promise.all([
    import("node:fs"),
    import("../core/errors.js"),
    import("../formats/registry.js"),
    import("../engine/catalogue.js"),
    import("../engine/paths.js"),
    import("./output.js"),
  ]);
  const flags = formatFlags(options);
  const renderer = await loadRenderer(options.format);
  if (!renderer)
    throw new AssayError("USAGE", `unknown format "${options.format}"; known: ${formatNames().join(", ")}`);
  const report = await readScanReport(scanFile);
  const baseline = options.baseline ? await readScanReport(options.baseline) : undefined;
  if (options.frameworks && !existsSync(options.frameworks))
    throw new AssayError("USAGE", `framework folder not found: ${options.frameworks}`);
  const frameworks = await loadFrameworks(options.frameworks ?? BUILTIN_FRAMEWORKS_DIR);
  // Seed control statements: the shipped catalogue with the shipped rules under their policy, plus any other
  // rule the report ran (a rule the report did not run is listed as not run, as in `scan`).
  const { loadRules } = await import("../engine/load.js");
  const { BUILTIN_RULES_DIR } = await import("../engine/paths.js");
  const shipped = (await loadRules({ dirs: [BUILTIN_RULES_DIR] })).rules.map((r) => ({
    id: r.definition.id,
    policy: r.definition.policy,
  }));
  const known = new Set(shipped.map((r) => r.id));
  frameworks.push(
    seedPolicyFramework(await loadPolicyCatalogue(BUILTIN_POLICIES_FILE), [
      ...shipped,
      ...report.rules.filter((r) => !known.has(r.id)).map((r) => ({ id: r.id, policy: r.policy })),
    ]),
  );
  await writeChunks(renderer.render(report, { baseline, frameworks, ...flags }), options.out);
}

/** Read and validate a saved report; a wrong file is a user mistake with the file and field named. */
export async function readScanReport(file: string) {
  const [{ readFile }, { AssayError }, { ScanReportSchema }] = await Promise.all([
    import("node:fs/promises"),
    import("../core/errors.js"),
    import("../core/report.js"),
  ]);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new AssayError("REPORT_UNREADABLE", `cannot read ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AssayError("REPORT_INVALID", `${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = ScanReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(root)";
    throw new AssayError(
      "REPORT_INVALID",
      `${file} is not an Assay scan report: ${field}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
