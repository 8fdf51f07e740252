import { spawn } from "node:child_process";
import { isSea } from "node:sea";
import { AssayError } from "../core/errors.js";
import type { JobResult } from "./job-child.js";

/**
 * Start one job in a child process running the same entry point (`node <script> agent --config f --run-job
 * name`) and wait for its result. Stopping the agent stops the child (SIGTERM); a child that overruns its
 * job's timeout by a minute is killed.
 */
export interface JobProcessOptions {
  configFile: string;
  job: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** The agent's own entry script and Node flags, reused for the child. */
  entry?: { script: string; execArgv: string[] };
}

export function runJobProcess(options: JobProcessOptions): Promise<JobResult> {
  // A self-contained executable is its own entry point: it takes the command line with no script in front.
  const entry = isSea()
    ? []
    : [...(options.entry?.execArgv ?? process.execArgv), options.entry?.script ?? process.argv[1] ?? ""];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...entry, "agent", "--config", options.configFile, "--run-job", options.job],
      {
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    let hardStop: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill("SIGTERM");
      // A collector stuck in a system call must not hold up the agent's shutdown.
      hardStop = setTimeout(() => child.kill("SIGKILL"), 5000);
    };
    options.signal.addEventListener("abort", stop, { once: true });
    const guard = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs + 60_000);
    child.on("error", (error) => {
      clearTimeout(guard);
      options.signal.removeEventListener("abort", stop);
      reject(new AssayError("AGENT_JOB_SPAWN", `cannot start the job process: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      clearTimeout(hardStop);
      options.signal.removeEventListener("abort", stop);
      const line = stdout.trim().split("\n").at(-1) ?? "";
      if (code === 0) {
        try {
          const result = JSON.parse(line) as JobResult;
          if (typeof result.reportId === "string") return resolve(result);
        } catch {
          // fall through to the error below
        }
      }
      const message = stderr
        .trim()
        .split("\n")
        .filter(Boolean)
        .at(-1)
        ?.replace(/^assay: /, "");
      const code_ = /spool full/i.test(stderr)
        ? "SPOOL_FULL"
        : /disk full/i.test(stderr)
          ? "SPOOL_DISK_FULL"
          : "AGENT_JOB_FAILED";
      reject(new AssayError(code_, message ?? `job process ended with ${signal ?? `exit code ${code}`}`));
    });
    child.stdin.on("error", () => {});
  });
}
