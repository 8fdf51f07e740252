import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/core/report.js";
import { PACKAGE_ROOT } from "../../../src/engine/paths.js";
import { azureScenario, azureIds as ids, SUB_B } from "../../emulators/azure/scenario.js";
import { type ArmEmulator, startArmEmulator } from "../../emulators/azure/server.js";

const IDENTITY_HEADER = "assay-test-identity-header";

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

describe("assay scan --collectors azure through the built CLI with DefaultAzureCredential", () => {
  let emulator: ArmEmulator;
  let dir: string;
  let result: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    emulator = await startArmEmulator(azureScenario(new Date()), { identityHeader: IDENTITY_HEADER });
    dir = await mkdtemp(join(tmpdir(), "assay-azure-cli-"));
    // The CLI process trusts the emulator's throwaway certificate the way a user trusts a corporate CA.
    await writeFile(join(dir, "ca.pem"), emulator.certificate);
    await writeFile(
      join(dir, "assay.yaml"),
      ["scan:", "  collectors: [azure]", "azure:", `  endpoint: ${emulator.endpoint}`, ""].join("\n"),
    );
    // DefaultAzureCredential → managed identity, App Service flavour (IDENTITY_ENDPOINT + IDENTITY_HEADER).
    const env: NodeJS.ProcessEnv = {
      NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
      IDENTITY_ENDPOINT: `${emulator.endpoint}/msi/token`,
      IDENTITY_HEADER,
      AZURE_CLIENT_ID: "",
      AZURE_CLIENT_SECRET: "",
      AZURE_TENANT_ID: "",
      AZURE_FEDERATED_TOKEN_FILE: "",
    };
    result = await runCli(
      ["scan", "--config", join(dir, "assay.yaml"), "--format", "json", "--out-dir", dir, "--no-progress"],
      env,
    );
  });
  afterAll(async () => {
    await emulator?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("signs in as a managed identity and scans every subscription it can list", () => {
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(emulator.requests.some((r) => r.path === "/msi/token" && r.status === 200)).toBe(true);
    const report = JSON.parse(result.stdout) as ScanReport;
    const status = (uid: string, rule: string) =>
      report.findings.find((f) => f.resourceUid === uid && f.ruleId === rule)?.status;
    expect(status(ids.stBad, "AZ-ST-001")).toBe("fail");
    expect(status(ids.stDenied, "AZ-ST-001")).toBe("error");
    expect(status(ids.keyRotating, "AZ-KV-003")).toBe("pass");
    expect(status(ids.nsgSsh, "AZ-NSG-001")).toBe("fail");
    expect(status(SUB_B, "AZ-ST-001")).toBe("error");
  });
});

describe("assay scan with a malformed Azure subscription id", () => {
  it("exits 2 naming the setting, before any call", async () => {
    const emulator = await startArmEmulator(azureScenario(new Date()));
    const dir = await mkdtemp(join(tmpdir(), "assay-azure-cli-"));
    try {
      await writeFile(
        join(dir, "assay.yaml"),
        [
          "scan:",
          "  collectors: [azure]",
          "azure:",
          `  endpoint: ${emulator.endpoint}`,
          "  subscriptions: [my-production-subscription]",
          "",
        ].join("\n"),
      );
      const result = await runCli(
        ["scan", "--config", join(dir, "assay.yaml"), "--format", "json", "--out-dir", dir, "--no-progress"],
        {},
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'azure settings: azure.subscriptions[0] ("my-production-subscription"): not a subscription id',
      );
      expect(result.stdout).toBe("");
      expect(emulator.requests).toEqual([]);
    } finally {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
