import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAgentConfig, parseAgentConfig, readEnrolmentSecret } from "../../src/agent/config.js";
import { defaultAgentPaths } from "../../src/agent/paths.js";
import { DiagnosticsError } from "../../src/core/errors.js";
import { tempDir } from "./helpers.js";

const valid = `store:
  url: https://assay.example.com
  enrolmentSecretFile: secret.txt
stateDir: state
jobs:
  - name: device-posture
    schedule: "0 */4 * * *"
    jitterSeconds: 1800
    runAtStart: true
    collectors: [device]
`;

function diagnosticsOf(text: string) {
  try {
    parseAgentConfig("/etc/assay/agent.yaml", text, {});
  } catch (error) {
    if (error instanceof DiagnosticsError) return error.diagnostics;
    throw error;
  }
  throw new Error("expected the config to be refused");
}

describe("agent config", () => {
  it("parses a valid file with defaults and resolves paths against the file's folder", () => {
    const config = parseAgentConfig("/etc/assay/agent.yaml", valid, {});
    expect(config.stateDir).toBe("/etc/assay/state");
    expect(config.store.enrolmentSecretFile).toBe("/etc/assay/secret.txt");
    expect(config.store.enrolmentSecretEnv).toBe("ASSAY_ENROLMENT_SECRET");
    expect(config.spool.maxReports).toBe(1000);
    expect(config.heartbeat.intervalSeconds).toBe(300);
    expect(config.jobs[0]).toMatchObject({
      name: "device-posture",
      jitterSeconds: 1800,
      runAtStart: true,
      timeoutSeconds: 3600,
    });
  });

  it("names the field and line of a bad cron expression", () => {
    const [d] = diagnosticsOf(valid.replace('"0 */4 * * *"', '"every four hours"'));
    expect(d?.field).toBe("jobs.0.schedule");
    expect(d?.location.line).toBe(7);
    expect(d?.message).toMatch(/cron/);
  });

  it("names unknown fields, bad URLs and missing jobs", () => {
    const unknown = diagnosticsOf(valid.replace("stateDir: state", "stateDir: state\nspol: {}"));
    expect(unknown[0]?.message).toMatch(/unknown field "spol"/);
    expect(unknown[0]?.location.line).toBe(5);
    const url = diagnosticsOf(valid.replace("https://assay.example.com", "ftp://x"));
    expect(url[0]?.field).toBe("store.url");
    expect(url[0]?.location.line).toBe(2);
    const noJobs = diagnosticsOf("store:\n  url: https://a.example\njobs: []\n");
    expect(noJobs[0]?.field).toBe("jobs");
  });

  it("refuses duplicate job names and two secret sources", () => {
    const dup = diagnosticsOf(`${valid}  - name: device-posture\n    schedule: "0 1 * * *"\n`);
    expect(dup[0]?.message).toMatch(/used twice/);
    expect(dup[0]?.location.line).toBe(11);
    const both = diagnosticsOf(
      valid.replace("enrolmentSecretFile: secret.txt", "enrolmentSecretFile: s\n  enrolmentSecret: x"),
    );
    expect(both[0]?.field).toBe("store.enrolmentSecretFile");
  });

  it("reads the secret from its file, else from the environment, and says how to fix a missing one", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "secret.txt"), "s3cret\n");
    await writeFile(join(dir, "agent.yaml"), valid);
    const config = await loadAgentConfig(join(dir, "agent.yaml"), {});
    expect(await readEnrolmentSecret(config, {})).toBe("s3cret");

    const envConfig = parseAgentConfig(
      join(dir, "b.yaml"),
      valid.replace("  enrolmentSecretFile: secret.txt\n", ""),
      {},
    );
    expect(await readEnrolmentSecret(envConfig, { ASSAY_ENROLMENT_SECRET: "from-env" })).toBe("from-env");
    await expect(readEnrolmentSecret(envConfig, {})).rejects.toThrow(/ASSAY_ENROLMENT_SECRET/);
  });

  it("uses each platform's default paths", () => {
    expect(defaultAgentPaths("linux")).toEqual({
      configFile: "/etc/assay/agent.yaml",
      stateDir: "/var/lib/assay",
    });
    expect(defaultAgentPaths("darwin").configFile).toBe("/Library/Application Support/Assay/agent.yaml");
    expect(defaultAgentPaths("win32", { ProgramData: "D:\\PD" })).toEqual({
      configFile: "D:\\PD\\Assay\\agent.yaml",
      stateDir: "D:\\PD\\Assay\\state",
    });
  });
});
