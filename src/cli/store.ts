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
      .command("rebind")
      .description("Bind a device resource to another agent (e.g. after re-enrolment); a ledger entry")
      .argument("<uid>", "the resource uid")
      .requiredOption("--agent <id>", "the agent that owns it from now on")
      .requiredOption("--reason <text>", "why (kept in the ledger entry)"),
  ).action(async (uid: string, options: StoreCliOptions & { agent: string; reason: string }) => {
    const { rebindCommand } = await import("../store/cli-actions.js");
    process.exitCode = await rebindCommand({ ...options, uid });
  });

  const agent = store.command("agent").description("Enrolled agents");
  common(
    agent
      .command("scopes")
      .description("Set the cloud scopes (provider:account) an agent may report on; none = a device agent")
      .argument("<agentId>", "the agent")
      .option(
        "--scope <scope>",
        "provider:account, repeatable",
        (v: string, all: string[]) => [...all, v],
        [],
      ),
  ).action(async (agentId: string, options: StoreCliOptions & { scope: string[] }) => {
    const { scopesCommand } = await import("../store/cli-actions.js");
    process.exitCode = await scopesCommand({ ...options, agentId });
  });

  common(
    store
      .command("key")
      .description("Print the checkpoint signing key's public key (created on first use) and earlier keys")
      .option("--rotate", "replace the signing key; the old one stays listed so its checkpoints verify"),
  ).action(async (options: StoreCliOptions & { rotate?: boolean }) => {
    const { keyCommand } = await import("../store/cli-actions.js");
    process.exitCode = await keyCommand(options);
  });

  common(
    store
      .command("checkpoint")
      .description("Sign a checkpoint of the ledger's Merkle tree now and print it (C2SP tlog-checkpoint)"),
  ).action(async (options: StoreCliOptions) => {
    const { checkpointCommand } = await import("../store/cli-actions.js");
    process.exitCode = await checkpointCommand(options);
  });

  common(
    store
      .command("verify")
      .description("Re-check the evidence ledger chain and every report signature")
      .option("--json", "print the result as JSON")
      .option(
        "--witness <s3url>",
        "also check the live tree against every checkpoint archived at s3://bucket/prefix",
      )
      .option(
        "--store-key <vkey>",
        "with --witness: trust only this checkpoint key (repeatable; default: the store's listed keys)",
        (v: string, all: string[]) => [...all, v],
        [],
      ),
  ).action(async (options: StoreCliOptions & { json?: boolean; witness?: string; storeKey?: string[] }) => {
    const { verifyCommand } = await import("../store/cli-actions.js");
    process.exitCode = await verifyCommand(options);
  });
}
