import { hostname } from "node:os";
import type { ScanReport } from "../core/report.js";
import { signReport } from "../core/signing.js";
import { ASSAY_VERSION } from "../core/version.js";
import type { AgentJob } from "./config.js";

/**
 * One scheduled scan: load the job's scan config and rules, run the scan pipeline, sign the report with the
 * agent's key. Everything heavy (rule engine, CEL, collectors, cloud SDKs) is imported here, on demand, so
 * an idle agent holds none of it.
 */
export interface ScanJobIdentity {
  agentId: string;
  privateKeyPem: string;
  /** The agent's update history file (state folder), unless the job's config names its own. */
  updateHistoryFile?: string;
}

export async function runScanJob(
  job: AgentJob,
  identity: ScanJobIdentity,
  signal: AbortSignal,
): Promise<ScanReport> {
  const [
    { loadConfig },
    { loadRules },
    { loadExceptions },
    { BUILTIN_RULES_DIR },
    { runScan },
    { resolveProfile },
  ] = await Promise.all([
    import("../core/config.js"),
    import("../engine/load.js"),
    import("../engine/exceptions.js"),
    import("../engine/paths.js"),
    import("../scan/run.js"),
    import("../core/profile.js"),
  ]);
  // Without a job config, use defaults only: never pick up an assay.yaml from the service's working folder.
  const { config } = await loadConfig(job.config, {});
  const scan = config.scan;
  const ruleDirs = [...(scan.builtinRules ? [BUILTIN_RULES_DIR] : []), ...scan.rules, ...job.rules];
  const ruleSet = await loadRules({ dirs: ruleDirs });
  const exceptions = scan.exceptions ? await loadExceptions(scan.exceptions) : [];
  const timeout = AbortSignal.timeout(job.timeoutSeconds * 1000);
  const { report } = await runScan({
    collectors: job.collectors ?? scan.collectors,
    ruleSet,
    ruleDirs,
    exceptions,
    settings: withUpdateHistory(config as Record<string, unknown>, identity.updateHistoryFile),
    profile: resolveProfile(config.profile),
    concurrency: scan.concurrency,
    agent: { id: identity.agentId, hostname: hostname(), version: ASSAY_VERSION },
    signal: AbortSignal.any([signal, timeout]),
  });
  if (signal.aborted) throw signal.reason;
  return signReport(report, identity.privateKeyPem, identity.agentId);
}

/** The agent keeps the device's update history in its own state folder, not in a cache a cleaner may empty. */
export function withUpdateHistory(
  settings: Record<string, unknown>,
  file: string | undefined,
): Record<string, unknown> {
  const device = (settings.device ?? {}) as Record<string, unknown>;
  if (!file || device.updateHistory !== undefined) return settings;
  return { ...settings, device: { ...device, updateHistory: file } };
}
