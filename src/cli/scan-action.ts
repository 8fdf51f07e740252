import { dirname, join } from "node:path";
import { loadConfig } from "../core/config.js";
import { AssayError } from "../core/errors.js";
import { SeveritySchema } from "../core/finding.js";
import { resolveProfile } from "../core/profile.js";
import type { ScanReport } from "../core/report.js";
import { seedPolicyFramework } from "../engine/catalogue.js";
import { loadExceptions } from "../engine/exceptions.js";
import { loadRules } from "../engine/load.js";
import { BUILTIN_RULES_DIR } from "../engine/paths.js";
import { loadRenderer } from "../formats/registry.js";
import type { RenderOptions } from "../formats/types.js";
import { scanGate } from "../scan/gate.js";
import { runScan } from "../scan/run.js";
import { formatFlags, writeChunks } from "./output.js";
import { createProgressReporter } from "./progress.js";
import { parseRuleSelection, selectRules } from "./rule-selection.js";
import type { ScanCommandOptions } from "./scan.js";
import { renderTable } from "./table.js";

export async function runScanCommand(options: ScanCommandOptions): Promise<number> {
  const { config } = await loadConfig(options.config);
  const scan = config.scan;
  const collectors = options.collectors
    ? options.collectors
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : scan.collectors;
  const extraDirs = options.ruleDir ?? scan.rules;
  const builtin = options.builtinRules && scan.builtinRules;
  const ruleDirs = [...(builtin ? [BUILTIN_RULES_DIR] : []), ...extraDirs];
  if (ruleDirs.length === 0)
    throw new AssayError(
      "SCAN_NO_RULES",
      "no rule folders: give --rule-dir <dir> or keep the built-in rules",
    );
  const selection = parseRuleSelection(options);
  const failOnRaw = options.failOn ?? scan.failOn;
  const failOn = failOnRaw === "none" ? "none" : SeveritySchema.safeParse(failOnRaw).data;
  if (!failOn)
    throw new AssayError(
      "USAGE",
      `--fail-on must be one of ${SeveritySchema.options.join(", ")}, none (got "${failOnRaw}")`,
    );
  const format = options.format ?? "table";
  const flags = formatFlags({ ...options, format });
  if (format !== "table") await requireRenderer(format);

  const loaded = await loadRules({ dirs: ruleDirs });
  const ruleSet = { ...loaded, rules: selectRules(loaded.rules, selection) };
  const exceptionsFile = options.exceptions ?? scan.exceptions;
  const exceptions = exceptionsFile ? await loadExceptions(exceptionsFile) : [];

  const progress = createProgressReporter(
    options.progress && process.stderr.isTTY === true && format === "table",
  );
  const { report, expiredExceptions, idleCollectors, resourcesByCollector } = await runScan({
    collectors,
    ruleSet,
    ruleDirs,
    exceptions,
    settings: config as Record<string, unknown>,
    profile: resolveProfile(config.profile),
    concurrency: scan.concurrency,
    onProgress: progress.update,
  });
  progress.stop();
  // Coverage sections list every control of every framework, including those no rule covers.
  // The seed control statements come last, with every loaded rule (selected or not) under its policy.
  const renderOptions: RenderOptions = {
    frameworks: [
      ...ruleSet.frameworks,
      seedPolicyFramework(
        loaded.policies,
        loaded.rules.map((r) => ({ id: r.definition.id, policy: r.definition.policy })),
      ),
    ],
  };

  const outDir = options.outDir ?? scan.outDir;
  // With `-f json -o FILE` the output is the JSON report itself: save it once, there.
  const jsonPath =
    options.jsonOut ??
    (format === "json" && options.out
      ? options.out
      : join(outDir, `assay-${report.startedAt.replace(/[:.]/g, "-")}-${report.id}.json`));
  await writeRendered(jsonPath, "json", report, renderOptions);
  const written = [jsonPath];
  for (const name of scan.formats.filter((f) => f !== "json")) {
    const path = join(
      dirname(jsonPath),
      `${jsonPath.replace(/^.*[\\/]/, "").replace(/\.json$/, "")}.${(await requireRenderer(name)).extension}`,
    );
    await writeRendered(path, name, report, renderOptions);
    written.push(path);
  }

  if (format === "table") {
    const toTerminal = !options.out && process.stdout.isTTY === true;
    const lines = [renderTable(report, { color: toTerminal })];
    for (const name of idleCollectors)
      lines.push(`note: collector ${name} was not run: no selected rule reads what it collects\n`);
    for (const e of expiredExceptions)
      lines.push(
        `note: exception for ${e.rule} (${e.owner}) expired on ${e.expires} and no longer applies\n`,
      );
    lines.push(`report: ${written.join(", ")}\n`);
    await writeChunks(lines, options.out);
  } else if (!(format === "json" && options.out === jsonPath)) {
    await writeRendered(options.out, format, report, { ...renderOptions, ...flags });
  }

  const gate = scanGate({
    findings: report.findings,
    failOn,
    allowErrors: options.allowErrors === true || scan.allowErrors,
    resourcesByCollector,
  });
  for (const line of gate.lines) process.stderr.write(`${line}\n`);
  return gate.exitCode;
}

async function requireRenderer(name: string) {
  const renderer = await loadRenderer(name);
  if (!renderer) {
    const { formatNames } = await import("../formats/registry.js");
    throw new AssayError("USAGE", `unknown format "${name}"; known: table, ${formatNames().join(", ")}`);
  }
  return renderer;
}

/** Stream a renderer's chunks to a file (created with its folder) or to stdout. */
async function writeRendered(
  path: string | undefined,
  format: string,
  report: ScanReport,
  options: RenderOptions,
): Promise<void> {
  const renderer = await requireRenderer(format);
  await writeChunks(renderer.render(report, options), path);
}
