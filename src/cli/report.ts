import type { Command } from "commander";

export interface ReportRenderOptions {
  format: string;
  baseline?: string;
  out?: string;
  frameworks?: string;
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
    .option("-o, --out <file>", "where to write (default: standard output)")
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
    { loadFrameworks },
    { BUILTIN_FRAMEWORKS_DIR },
  ] = await Promise.all([
    import("node:fs"),
    import("../core/errors.js"),
    import("../formats/registry.js"),
    import("../engine/catalogue.js"),
    import("../engine/paths.js"),
  ]);
  const renderer = await loadRenderer(options.format);
  if (!renderer)
    throw new AssayError("USAGE", `unknown format "${options.format}"; known: ${formatNames().join(", ")}`);
  const report = await readScanReport(scanFile);
  const baseline = options.baseline ? await readScanReport(options.baseline) : undefined;
  if (options.frameworks && !existsSync(options.frameworks))
    throw new AssayError("USAGE", `framework folder not found: ${options.frameworks}`);
  const frameworks = await loadFrameworks(options.frameworks ?? BUILTIN_FRAMEWORKS_DIR);
  await writeChunks(renderer.render(report, { baseline, frameworks }), options.out);
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

/** Stream chunks to a file (folder created) or stdout, honouring backpressure. */
async function writeChunks(chunks: AsyncIterable<string> | Iterable<string>, path: string | undefined) {
  const [{ createWriteStream }, { mkdir }, { dirname }, { finished }] = await Promise.all([
    import("node:fs"),
    import("node:fs/promises"),
    import("node:path"),
    import("node:stream/promises"),
  ]);
  if (path) await mkdir(dirname(path), { recursive: true });
  const out: NodeJS.WritableStream = path ? createWriteStream(path) : process.stdout;
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  if (path) {
    out.end();
    await finished(out);
  }
}
