#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { AssayError } from "../core/errors.js";
import { ASSAY_VERSION } from "../core/version.js";
import { registerAgentCommand } from "./agent.js";
import { registerEvidenceCommand } from "./evidence.js";
import { registerPermissionsCommand } from "./permissions.js";
import { registerReportCommand } from "./report.js";
import { registerRulesCommand } from "./rules.js";
import { registerScanCommand } from "./scan.js";
import { registerStoreCommand } from "./store.js";

/**
 * The only place that exits the process. Commands set process.exitCode through `exit()`; each command
 * module imports its heavy parts inside its action, so `assay scan` on a laptop loads neither the store
 * nor any cloud SDK.
 */
const program = new Command("assay")
  .description("Infrastructure and endpoint compliance scanner")
  .version(ASSAY_VERSION)
  .showHelpAfterError()
  // Options after a subcommand belong to it (`agent install -c f` is install's --config, not agent's).
  .enablePositionalOptions()
  .exitOverride();

// A reader that stops early (`assay report render … | head`) closes the pipe: that is not a failure, so
// end quietly with exit 0 instead of dying on EPIPE with a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  process.stderr.write(`assay: cannot write to standard output: ${error.message}\n`);
  process.exit(3);
});

registerScanCommand(program);
registerRulesCommand(program);
registerStoreCommand(program);
registerAgentCommand(program);
registerReportCommand(program);
registerPermissionsCommand(program);
registerEvidenceCommand(program);
// Further commands register here, one line each.

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are not failures; usage errors were already printed by commander.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof AssayError) {
    process.stderr.write(`assay: ${error.message}\n`);
    return 2;
  }
  process.stderr.write(
    `assay: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 3;
}
