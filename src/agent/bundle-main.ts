import { Command, CommanderError } from "commander";
import { registerAgentCommand } from "../cli/agent.js";
import { AssayError } from "../core/errors.js";
import { ASSAY_VERSION } from "../core/version.js";

/**
 * Entry point of the single-file agent bundle (`npm run bundle` → dist/bundle/assay-agent.mjs), which MDM
 * deploys with only Node installed. It carries the `agent` command alone, so it holds neither the store nor
 * the report renderers; like src/cli/index.ts it is an entry point and the only place in the bundle that
 * sets the exit code. The same entry point is the main script of the self-contained executables
 * (`npm run package`), which Node runs as CommonJS: hence no top-level await.
 */
const program = new Command("assay")
  .description("Assay agent (device bundle)")
  .version(ASSAY_VERSION)
  .showHelpAfterError()
  // Options after a subcommand belong to it (`agent install -c f` is install's --config, not agent's).
  .enablePositionalOptions()
  .exitOverride();
registerAgentCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof AssayError) {
    process.stderr.write(`assay: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `assay: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 3;
  }
});
