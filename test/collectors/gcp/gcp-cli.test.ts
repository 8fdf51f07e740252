import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/core/report.js";
import { PACKAGE_ROOT } from "../../../src/engine/paths.js";
import { gcpScenario, gcpIds as ids, ORG } from "../../emulators/gcp/scenario.js";
import { type GcpEmulator, startGcpEmulator } from "../../emulators/gcp/server.js";

const SUBJECT_TOKEN = "workload-identity-subject-token";

/** The built CLI in its own process (async: the emulator answers from this one). */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, "dist", "cli", "index.js"), ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("assay scan --collectors gcp through the built CLI with Application Default Credentials", () => {
  let emulator: GcpEmulator;
  let dir: string;
  let result: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    emulator = await startGcpEmulator(gcpScenario(new Date()), { subjectToken: SUBJECT_TOKEN });
    dir = await mkdtemp(join(tmpdir(), "assay-gcp-cli-"));
    // Workload identity federation ADC: a subject token in a file, exchanged at token_url (the emulator).
    await writeFile(join(dir, "subject-token"), SUBJECT_TOKEN);
    await writeFile(
      join(dir, "adc.json"),
      JSON.stringify({
        type: "external_account",
        audience: "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/ci",
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: `${emulator.endpoint}v1/token`,
        credential_source: { file: join(dir, "subject-token") },
      }),
    );
    await writeFile(
      join(dir, "assay.yaml"),
      [
        "scan:",
        "  collectors: [gcp]",
        "gcp:",
        `  endpoint: ${emulator.endpoint}`,
        `  organization: ${ORG}`,
        "  workspace: { customer: my_customer }",
        "",
      ].join("\n"),
    );
    result = await runCli(
      ["scan", "--config", join(dir, "assay.yaml"), "--format", "json", "--out-dir", dir, "--no-progress"],
      {
        GOOGLE_APPLICATION_CREDENTIALS: join(dir, "adc.json"),
      },
    );
  });
  afterAll(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("signs in through the token exchange and scans the organization", () => {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(emulator.requests.filter((r) => r.path === "/v1/token").map((r) => r.status)).toContain(200);
    const report = JSON.parse(result.stdout) as ScanReport;
    const status = (uid: string, rule: string) =>
      report.findings.find((f) => f.resourceUid === uid && f.ruleId === rule)?.status;
    expect(status(ids.carol, "GCP-WS-001")).toBe("fail");
    expect(status(ids.alice, "GCP-WS-004")).toBe("pass");
    expect(status(ids.bPublic, "GCP-GCS-002")).toBe("fail");
    expect(status(ids.fwSsh, "GCP-FW-001")).toBe("fail");
    expect(report.collectorErrors.map((e) => e.scope).sort()).toEqual([
      "proj-b/compute",
      "proj-denied/kms",
      "proj-denied/storage",
    ]);
  });
});

describe("assay scan --collectors gcp with a malformed project id", () => {
  it("exits 2 with one sentence naming the setting, before any Google API call", async () => {
    const emulator = await startGcpEmulator(gcpScenario(new Date()));
    const dir = await mkdtemp(join(tmpdir(), "assay-gcp-cli-bad-"));
    try {
      await writeFile(
        join(dir, "assay.yaml"),
        [
          "scan:",
          "  collectors: [gcp]",
          "gcp:",
          `  endpoint: ${emulator.endpoint}`,
          "  projects: [proj-a, My_Project]",
          "",
        ].join("\n"),
      );
      const result = await runCli(
        ["scan", "--config", join(dir, "assay.yaml"), "--format", "json", "--out-dir", dir, "--no-progress"],
        {},
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        "assay: the gcp settings are not valid, so nothing was scanned:\n" +
          '  gcp.projects[1]: "My_Project" is not a Google Cloud project id (6-30 lowercase letters, digits, hyphens; starts with a letter)\n',
      );
      expect(result.stdout).toBe("");
      expect(emulator.requests).toEqual([]);
    } finally {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
