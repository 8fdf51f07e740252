import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { AssayError } from "../core/errors.js";
import { generateSigningKeyPair } from "../core/signing.js";
import { ASSAY_VERSION } from "../core/version.js";
import { type AgentConfig, loadAgentConfig } from "./config.js";
import { errorCode, isDiskFull } from "./disk-full.js";
import { enrolUntilAccepted } from "./enrol.js";
import { runJobProcess } from "./job-runner.js";
import { type AgentLogger, createAgentLogger } from "./log.js";
import { JobScheduler, type SchedulableJob } from "./scheduler.js";
import { Spool } from "./spool.js";
import {
  prepareStateDir,
  readIdentity,
  readJobsState,
  readSigningKey,
  statePaths,
  writeJobsState,
  writeSigningKey,
} from "./state.js";
import { StoreClient } from "./store-client.js";
import { Uploader } from "./uploader.js";

/**
 * The long-running agent: enrol once, then run the scheduled scans, spool every signed report before sending
 * it, deliver the spool oldest first, and send heartbeats. Resolves after a clean shutdown (SIGTERM/SIGINT
 * or `options.signal`); the caller (the CLI) decides the exit code.
 */
export interface RunAgentOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  /** Stop the agent from the outside (tests, an embedding service); signals also stop it. */
  signal?: AbortSignal;
  /** How long a shutdown lets an in-flight upload finish before parking it in the spool. */
  shutdownGraceMs?: number;
}

export async function runAgent(options: RunAgentOptions): Promise<void> {
  const env = options.env ?? process.env;
  const config = await loadAgentConfig(options.configFile, env);
  if (config.log.file) await mkdir(dirname(config.log.file), { recursive: true, mode: 0o700 });
  const log = createAgentLogger(config.log.level, config.log.file ?? 1);
  const stop = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    log.info({ signal: name }, "shutdown requested");
    stop.abort();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  try {
    await runEnrolledAgent(
      config,
      log,
      stop.signal,
      env,
      options.shutdownGraceMs ?? config.shutdownGraceSeconds * 1000,
    );
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

async function runEnrolledAgent(
  config: AgentConfig,
  log: AgentLogger,
  stopSignal: AbortSignal,
  env: NodeJS.ProcessEnv,
  shutdownGraceMs: number,
): Promise<void> {
  const paths = statePaths(config.stateDir);
  await prepareStateDir(paths);

  // Requests are aborted only after the shutdown grace, so an upload under way can finish.
  const requests = new AbortController();
  const client = new StoreClient({
    baseUrl: config.store.url,
    timeoutMs: config.store.timeoutSeconds * 1000,
    signal: requests.signal,
  });

  let key = await readSigningKey(paths);
  if (!key) {
    key = generateSigningKeyPair();
    await writeSigningKey(paths, key);
    log.info({ stateDir: paths.dir }, "generated this device's signing key");
  }
  let identity = await readIdentity(paths);
  if (!identity) {
    const enrolAbort = AbortSignal.any([stopSignal]);
    try {
      identity = await enrolUntilAccepted(config, paths, client, key.publicKeyPem, log, enrolAbort, env);
    } catch (error) {
      if (error instanceof AssayError && error.code === "AGENT_STOPPED") {
        log.info("stopped before enrolment");
        return;
      }
      throw error;
    }
  } else if (identity.storeUrl !== config.store.url) {
    log.warn(
      { enrolledWith: identity.storeUrl, configured: config.store.url },
      "store URL changed since enrolment; reports go to the configured store with the existing identity",
    );
  }
  const agentId = identity.agentId;
  const token = identity.token;
  /** The last problem worth an operator's attention; heartbeats carry it to the store. */
  let lastError: string | undefined;

  const spool = new Spool(
    paths.spool,
    paths.quarantine,
    { maxBytes: config.spool.maxBytes, maxReports: config.spool.maxReports },
    log,
  );
  await spool.recover();
  const uploader = new Uploader({
    spool,
    client,
    token: () => token,
    log,
    retryMinMs: config.spool.retryMinSeconds * 1000,
    retryMaxMs: config.spool.retryMaxSeconds * 1000,
  });

  const jobs: SchedulableJob[] = config.jobs.map((job) => ({
    name: job.name,
    schedule: job.schedule,
    jitterMs: job.jitterSeconds * 1000,
    runAtStart: job.runAtStart,
    run: async (signal) => {
      log.info({ job: job.name }, "job started");
      try {
        const result = await runJobProcess({
          configFile: config.file,
          job: job.name,
          timeoutMs: job.timeoutSeconds * 1000,
          signal,
        });
        log.info({ job: job.name, reportId: result.reportId, findings: result.findings }, "report spooled");
      } catch (error) {
        if (
          error instanceof AssayError &&
          (error.code === "SPOOL_FULL" || error.code === "SPOOL_DISK_FULL")
        ) {
          // Loud, and the slot counts as served: the old reports are kept and go first.
          lastError = error.message;
          log.error({ job: job.name, code: error.code, path: paths.spool }, error.message);
          return;
        }
        throw error;
      }
      void uploader.kick();
    },
  }));
  const scheduler = new JobScheduler(jobs, {
    log,
    records: await readJobsState(paths),
    // Job bookkeeping only decides catch-up runs: failing to save it (disk full) is logged, never fatal.
    saveRecords: async (records) => {
      try {
        await writeJobsState(paths, records);
      } catch (error) {
        lastError = `${isDiskFull(error) ? "disk full" : "cannot save job state"}: ${paths.jobs} (${errorCode(error) ?? (error as Error).message})`;
        log.error(
          { path: paths.jobs, code: errorCode(error) },
          `${lastError}; kept in memory, a restart may repeat a run`,
        );
      }
    },
  });

  let heartbeatOk: boolean | undefined;
  let heartbeatInFlight = false;
  const heartbeat = async () => {
    // A slow store must not pile up heartbeats: skip a beat while the previous one is still waiting.
    if (heartbeatInFlight) return;
    heartbeatInFlight = true;
    const usage = await spool.usage().catch(() => undefined);
    const status = { spooled: usage?.reports, spoolBytes: usage?.bytes, lastError };
    const outcome = await client.heartbeat(token, agentId, ASSAY_VERSION, status).finally(() => {
      heartbeatInFlight = false;
    });
    const ok = outcome.kind === "accepted";
    if (ok !== heartbeatOk) {
      if (ok) log.info("store reachable (heartbeat)");
      else log.warn({ reason: outcome.reason }, "heartbeat failed");
      heartbeatOk = ok;
    }
    // The store is back: deliver the spool now rather than at the end of a long backoff.
    if (ok && uploader.waitingToRetry) void uploader.kick();
  };
  const heartbeatTimer = setInterval(() => void heartbeat(), config.heartbeat.intervalSeconds * 1000);

  const usage = await spool.usage();
  await scheduler.start();
  log.info(
    {
      agentId,
      version: ASSAY_VERSION,
      stateDir: paths.dir,
      spooled: usage.reports,
      nextRuns: scheduler.nextRuns(),
    },
    "agent started",
  );
  void heartbeat();
  void uploader.kick();

  await new Promise<void>((resolve) => {
    if (stopSignal.aborted) resolve();
    else stopSignal.addEventListener("abort", () => resolve(), { once: true });
  });

  clearInterval(heartbeatTimer);
  await scheduler.stop();
  const grace = setTimeout(() => requests.abort(new Error("shutdown grace elapsed")), shutdownGraceMs);
  await uploader.stop();
  clearTimeout(grace);
  requests.abort(new Error("agent stopped"));
  const left = await spool.usage();
  log.info({ spooled: left.reports }, "agent stopped");
}
