import { type Command, Option } from "commander";

/**
 * `assay agent --config <file>`: the long-running device agent. Its modules load inside the action, so other
 * commands pay nothing for it. Without --config it uses the OS default (/etc/assay/agent.yaml,
 * /Library/Application Support/Assay/agent.yaml, %ProgramData%\Assay\agent.yaml). The hidden --run-job is
 * how the agent runs one scan in a child process of its own.
 */
export function registerAgentCommand(program: Command): void {
  program
    .command("agent")
    .description(
      "run the agent: scheduled scans, signed reports, offline spool, heartbeats (stops on SIGTERM)",
    )
    .option("-c, --config <file>", "agent config file (default: the OS default path)")
    .addOption(
      new Option("--run-job <name>", "run one job now and exit (used by the agent itself)").hideHelp(),
    )
    .action(async (options: { config?: string; runJob?: string }) => {
      const { defaultAgentPaths } = await import("../agent/paths.js");
      const configFile = options.config ?? defaultAgentPaths().configFile;
      if (options.runJob) {
        const { runJobInChild } = await import("../agent/job-child.js");
        await runJobInChild({ configFile, job: options.runJob });
        return;
      }
      const { runAgent } = await import("../agent/agent.js");
      await runAgent({ configFile });
    });
}
