import type { Command } from "commander";

/**
 * `assay agent --config <file>`: the long-running device agent. Its modules load inside the action, so other
 * commands pay nothing for it. Without --config it uses the OS default (/etc/assay/agent.yaml,
 * /Library/Application Support/Assay/agent.yaml, %ProgramData%\Assay\agent.yaml).
 */
export function registerAgentCommand(program: Command): void {
  program
    .command("agent")
    .description(
      "run the agent: scheduled scans, signed reports, offline spool, heartbeats (stops on SIGTERM)",
    )
    .option("-c, --config <file>", "agent config file (default: the OS default path)")
    .action(async (options: { config?: string }) => {
      const [{ runAgent }, { defaultAgentPaths }] = await Promise.all([
        import("../agent/agent.js"),
        import("../agent/paths.js"),
      ]);
      await runAgent({ configFile: options.config ?? defaultAgentPaths().configFile });
    });
}
