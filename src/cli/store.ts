import type { Command } from "commander";
import type { StoreCliOptions } from "../store/cli-actions.js";

/** `assay store …`: the central report store. Everything heavy is imported inside the actions. */
export function registerStoreCommand(program: Command): void {
  const store = program.command("store").description("Run and administer the central report store");
  const common = (cmd: Command) =>
    cmd
      .option("-c, --config <file>", "store configuration (YAML or JSON)")
      .option("--data-dir <dir>", "folder of the embedded SQLite database")
      .option("--database-url <url>", "postgres://… (prefer the ASSAY_DATABASE_URL environment variable)");

  common(
    store
      .command("serve")
      .description("Serve the store API (SQLite under --data-dir by default, PostgreSQL with a URL)")
      .option("--host <host>", "address to listen on")
      .option("--port <port>", "port to listen on", (v) => Number.parseInt(v, 10))
      .option("--tls-cert <file>", "PEM certificate; serve HTTPS with --tls-key")
      .option("--tls-key <file>", "PEM private key"),
  ).action(async (options: StoreCliOptions) => {
    const { serveStore } = await import("../store/cli-actions.js");
    process.exitCode = await serveStore(options);
  });

  const token = store.command("token").description("People's API tokens");
  common(
    token
      .command("create")
      .description("Create an API token with a role; the token is printed once")
      .requiredOption("--role <role>", "admin | lead | auditor")
      .option("--name <name>", "who or what the token is for", "unnamed"),
  ).action(async (options: StoreCliOptions & { role: string; name: string }) => {
    const { createTokenCommand } = await import("../store/cli-actions.js");
    process.exitCode = await createTokenCommand(options);
  });

  common(
    store
      .command("verify")
      .description("Re-check the evidence ledger chain and every report signature")
      .option("--json", "print the result as JSON"),
  ).action(async (options: StoreCliOptions & { json?: boolean }) => {
    const { verifyCommand } = await import("../store/cli-actions.js");
    process.exitCode = await verifyCommand(options);
  });
}
