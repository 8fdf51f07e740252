import { hostname } from "node:os";
import { AssayError } from "../core/errors.js";
import { backoffDelay } from "./backoff.js";
import { type AgentConfig, readEnrolmentSecret } from "./config.js";
import type { AgentLogger } from "./log.js";
import { type AgentIdentity, type StatePaths, writeIdentity } from "./state.js";
import type { StoreClient } from "./store-client.js";

/**
 * First start: register this device's public key with the store and keep the id and token it returns.
 * The store may be unreachable (laptop offline at install): retry with backoff until it answers. A refused
 * secret is retried slowly too, re-reading the secret each time, so fixing the secret file needs no restart.
 */
export async function enrolUntilAccepted(
  config: AgentConfig,
  paths: StatePaths,
  client: StoreClient,
  publicKeyPem: string,
  log: AgentLogger,
  signal: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AgentIdentity> {
  const retryMinMs = config.spool.retryMinSeconds * 1000;
  const retryMaxMs = config.spool.retryMaxSeconds * 1000;
  for (let failures = 0; ; failures += 1) {
    if (signal.aborted) throw new AssayError("AGENT_STOPPED", "stopped before enrolment completed");
    let delay: number;
    try {
      const enrolmentSecret = await readEnrolmentSecret(config, env);
      const outcome = await client.enrol({
        enrolmentSecret,
        hostname: hostname(),
        platform: process.platform,
        ...(config.store.group ? { group: config.store.group } : {}),
        publicKeyPem,
      });
      if (outcome.kind === "accepted") {
        const identity: AgentIdentity = {
          agentId: outcome.value.agentId,
          token: outcome.value.token,
          storeUrl: config.store.url,
          hostname: hostname(),
          enrolledAt: new Date().toISOString(),
        };
        await writeIdentity(paths, identity);
        log.info({ agentId: identity.agentId, store: config.store.url }, "enrolled with the store");
        return identity;
      }
      delay =
        outcome.kind === "rejected" || outcome.status === 401 || outcome.status === 403
          ? retryMaxMs
          : backoffDelay(failures, retryMinMs, retryMaxMs);
      log.warn(
        { store: config.store.url, reason: outcome.reason, status: outcome.status, retryInMs: delay },
        "enrolment failed",
      );
    } catch (error) {
      if (!(error instanceof AssayError) || error.code !== "AGENT_SECRET_MISSING") throw error;
      delay = retryMaxMs;
      log.error({ code: error.code, retryInMs: delay }, error.message);
    }
    await sleep(delay, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
