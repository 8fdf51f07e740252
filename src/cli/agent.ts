import { type Command, Option } from "commander";

/**
 * `assay agent --config <file>`: the long-running device agent. Its modules load inside the action, so other
 * commands pay nothing for it. Without --config it uses the OS default (/etc/assay/agent.yaml,
 * /Library/Application Support/Assay/agent.yaml, %ProgramData%\Assay\agent.yaml). The hidden --run-job is
 * how the agent runs one scan in a child process of its own.
 */
export function registerAgentCommand(program: Command): void {
  const agent = program
    .command("agent")
    // `agent install -c f`: options after a subcommand belong to it, not to `agent`.
    .enablePositionalOptions()
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

  // What the packages run on the device (deb/rpm maintainer scripts, the MSI's custom actions, the macOS
  // postinstall). The enrolment secret comes from the environment or a file, so it stays off command lines
  // wherever the installer allows.
  agent
    .command("install")
    .description(
      "write the agent config (if there is none) and the enrolment secret; on Windows register the task",
    )
    .option("-c, --config <file>", "agent config file (default: the OS default path)")
    .option("--store-url <url>", "the report store, e.g. https://assay.example.com")
    .option("--group <name>", "device group (check-in window on the store)")
    .option(
      "--enrolment-secret-env <name>",
      "environment variable holding the enrolment secret",
      "ASSAY_ENROLMENT_SECRET",
    )
    .option("--enrolment-secret-file <file>", "file holding the enrolment secret (read, not kept)")
    .option("--enrolment-secret <value>", "the secret itself (the MSI's way; prefer the variable or a file)")
    .option("--log-file <file>", "write the agent log here instead of stdout")
    .option("--register-task", "Windows: register and start the scheduled task")
    .action(
      async (options: {
        config?: string;
        storeUrl?: string;
        group?: string;
        enrolmentSecretEnv: string;
        enrolmentSecretFile?: string;
        enrolmentSecret?: string;
        logFile?: string;
        registerTask?: boolean;
      }) => {
        const { readFile } = await import("node:fs/promises");
        const { installAgent } = await import("../agent/install.js");
        const secret =
          options.enrolmentSecret?.trim() ||
          (options.enrolmentSecretFile
            ? (await readFile(options.enrolmentSecretFile, "utf8")).trim()
            : process.env[options.enrolmentSecretEnv]?.trim());
        const result = await installAgent({
          configFile: options.config,
          storeUrl: options.storeUrl || undefined,
          group: options.group || undefined,
          enrolmentSecret: secret || undefined,
          logFile: options.logFile,
          registerTask: options.registerTask,
        });
        for (const line of result.messages) process.stdout.write(`assay: ${line}\n`);
      },
    );
  agent
    .command("uninstall")
    .description("remove the Windows task; with --purge also the config, identity and unsent reports")
    .option("-c, --config <file>", "agent config file (default: the OS default path)")
    .option("--purge", "remove the config, the identity, the signing key and the spool")
    .option("--remove-task", "Windows: end and delete the scheduled task")
    .action(async (options: { config?: string; purge?: boolean; removeTask?: boolean }) => {
      const { uninstallAgent } = await import("../agent/install.js");
      const lines = await uninstallAgent({
        configFile: options.config,
        purge: options.purge,
        removeTask: options.removeTask,
      });
      for (const line of lines) process.stdout.write(`assay: ${line}\n`);
    });
}
