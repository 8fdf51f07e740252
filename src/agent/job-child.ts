import { AssayError } from "../core/errors.js";
import { loadAgentConfig } from "./config.js";
import { createAgentLogger } from "./log.js";
import { runScanJob } from "./scan-job.js";
import { Spool } from "./spool.js";
import { prepareStateDir, readIdentity, readSigningKey, statePaths } from "./state.js";

/**
 * One scan job in a process of its own (`assay agent --config f --run-job <name>`), started by the agent.
 * The scan (rule engine, collectors, their memory) lives and dies here, so the agent itself stays small
 * between runs. The signed report goes straight into the spool (atomically); the agent is told its id on
 * stdout and uploads it. If the agent disappears (stdin closes), the job stops before writing anything.
 */
export interface RunJobOptions {
  configFile: string;
  job: string;
}

export interface JobResult {
  reportId: string;
  findings: Record<string, number>;
}

export async function runJobInChild(options: RunJobOptions): Promise<void> {
  const abort = new AbortController();
  const orphaned = () => {
    // The agent was killed: its catch-up run will redo this slot; writing a report now would surprise it.
    process.exit(75);
  };
  process.stdin.on("end", orphaned);
  process.stdin.on("close", orphaned);
  process.stdin.resume();
  process.once("SIGTERM", () => abort.abort(new AssayError("AGENT_JOB_STOPPED", "job stopped by the agent")));
  try {
    const config = await loadAgentConfig(options.configFile);
    const job = config.jobs.find((j) => j.name === options.job);
    if (!job)
      throw new AssayError("AGENT_JOB_UNKNOWN", `no job named "${options.job}" in ${options.configFile}`);
    const paths = statePaths(config.stateDir);
    await prepareStateDir(paths);
    const [identity, key] = await Promise.all([readIdentity(paths), readSigningKey(paths)]);
    if (!identity || !key)
      throw new AssayError("AGENT_NOT_ENROLLED", "this agent is not enrolled yet; start the agent first");
    const report = await runScanJob(
      job,
      { agentId: identity.agentId, privateKeyPem: key.privateKeyPem, updateHistoryFile: paths.updateHistory },
      abort.signal,
    );
    if (abort.signal.aborted) throw abort.signal.reason;
    const spool = new Spool(paths.spool, paths.quarantine, config.spool, createAgentLogger("warn", 2));
    await spool.put(report);
    const result: JobResult = { reportId: report.id, findings: report.summary.findings };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    process.stdin.off("end", orphaned);
    process.stdin.off("close", orphaned);
    process.stdin.pause();
    process.stdin.destroy();
  }
}
