import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseAgentConfig } from "../../src/agent/config.js";
import { enrolUntilAccepted } from "../../src/agent/enrol.js";
import { prepareStateDir, readIdentity, statePaths } from "../../src/agent/state.js";
import { StoreClient } from "../../src/agent/store-client.js";
import { generateSigningKeyPair } from "../../src/core/signing.js";
import { ContractReceiver } from "./contract-receiver.js";
import { fileLogger, tempDir } from "./helpers.js";

const receivers: ContractReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.stop();
});

describe("enrolment", () => {
  it("retries a refused secret, re-reads the secret file, and keeps the identity owner-only", async () => {
    const receiver = new ContractReceiver("the-right-secret");
    receivers.push(receiver);
    await receiver.start();
    const dir = await tempDir();
    await writeFile(join(dir, "secret"), "a-wrong-secret\n");
    const config = parseAgentConfig(
      join(dir, "agent.yaml"),
      `store:\n  url: ${receiver.url}\n  enrolmentSecretFile: secret\nstateDir: state\nspool: { retryMinSeconds: 0.05, retryMaxSeconds: 0.2 }\njobs:\n  - name: p\n    schedule: "0 3 * * *"\n`,
      {},
    );
    const paths = statePaths(config.stateDir);
    await prepareStateDir(paths);
    const { log, lines, file } = await fileLogger();
    const client = new StoreClient({ baseUrl: receiver.url, timeoutMs: 2000 });
    const enrolling = enrolUntilAccepted(
      config,
      paths,
      client,
      generateSigningKeyPair().publicKeyPem,
      log,
      new AbortController().signal,
      {},
    );
    await expect
      .poll(async () => (await lines()).filter((l) => l.msg === "enrolment failed").length)
      .toBeGreaterThanOrEqual(2);
    expect(await readIdentity(paths)).toBeUndefined();
    await writeFile(join(dir, "secret"), "the-right-secret\n");
    const identity = await enrolling;
    expect(await readIdentity(paths)).toEqual(identity);
    expect((await stat(paths.identity)).mode & 0o777).toBe(0o600);
    const refused = (await lines()).find((l) => l.msg === "enrolment failed");
    expect(refused?.status).toBe(401);
    const text = await readFile(file, "utf8");
    expect(text).not.toContain("a-wrong-secret");
    expect(text).not.toContain("the-right-secret");
    expect(text).not.toContain(identity.token);
  });

  it("gives up quietly when the agent is stopped before the store answers", async () => {
    const dir = await tempDir();
    const config = parseAgentConfig(
      join(dir, "agent.yaml"),
      `store:\n  url: http://127.0.0.1:9\nstateDir: state\nspool: { retryMinSeconds: 0.05, retryMaxSeconds: 0.1 }\njobs:\n  - name: p\n    schedule: "0 3 * * *"\n`,
      {},
    );
    const paths = statePaths(config.stateDir);
    await prepareStateDir(paths);
    const { log, lines } = await fileLogger();
    const stop = new AbortController();
    const enrolling = enrolUntilAccepted(
      config,
      paths,
      new StoreClient({ baseUrl: config.store.url, timeoutMs: 500 }),
      "pem",
      log,
      stop.signal,
      {
        ASSAY_ENROLMENT_SECRET: "s",
      },
    );
    await expect
      .poll(async () =>
        (await lines()).some(
          (l) => l.msg === "enrolment failed" && String(l.reason).includes("store unreachable"),
        ),
      )
      .toBe(true);
    stop.abort();
    await expect(enrolling).rejects.toMatchObject({ code: "AGENT_STOPPED" });
  });
});
