import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAgentLogger } from "../../src/agent/log.js";
import { newReportId } from "../../src/core/ids.js";
import type { ScanReport } from "../../src/core/report.js";

export async function tempDir(prefix = "assay-agent-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A real pino logger writing JSON lines to a file the test reads back. */
export async function fileLogger() {
  const dir = await tempDir("assay-log-");
  const file = join(dir, "agent.log");
  const log = createAgentLogger("debug", file);
  return {
    log,
    file,
    async lines(): Promise<Record<string, unknown>[]> {
      const text = await readFile(file, "utf8").catch(() => "");
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

/** A minimal but schema-valid report, as runScan would produce for a device with no rules matched. */
export function sampleReport(agentId = "agent-test"): ScanReport {
  const now = new Date().toISOString();
  const counts = { pass: 0, fail: 0, error: 0, skip: 0, excepted: 0 };
  return {
    schemaVersion: 1,
    id: newReportId(),
    agent: { id: agentId, hostname: "test-host", version: "0.0.0" },
    scope: { collectors: ["device"], ruleDirs: [], accounts: [], regions: [] },
    startedAt: now,
    finishedAt: now,
    resources: [],
    rules: [],
    findings: [],
    collectorErrors: [],
    summary: { resources: 0, rules: 0, findings: counts, bySeverity: {}, byPolicy: {}, collectorErrors: 0 },
  };
}
