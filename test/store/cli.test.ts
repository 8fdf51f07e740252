import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/engine/paths.js";
import { buildApp } from "../../src/store/app.js";
import { runCli } from "../helpers/cli.js";
import { openRawSqlite } from "../helpers/raw-sqlite.js";
import { ENROLMENT_SECRET, enrolAgent, postReport, realisticFindings, signedReport } from "./fixtures.js";

describe("assay store CLI (built dist/)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "assay-store-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("creates a role token that the API then accepts, and prints it once", async () => {
    const created = runCli([
      "store",
      "token",
      "create",
      "--role",
      "auditor",
      "--name",
      "ext audit",
      "--data-dir",
      dir,
    ]);
    expect(created.stderr).toContain("Created auditor token");
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^asp_[0-9A-Z]{26}\.[A-Za-z0-9_-]{43}$/);

    const app = await buildApp({
      dataDir: dir,
      logLevel: "silent",
      backgroundJobs: false,
      enrolmentSecret: ENROLMENT_SECRET,
    });
    try {
      const agent = await enrolAgent(app);
      expect((await postReport(app, agent, signedReport(agent, realisticFindings("cli")))).statusCode).toBe(
        201,
      );
      expect(
        (await postReport(app, agent, signedReport(agent, realisticFindings("cli", 3)))).statusCode,
      ).toBe(201);
      const res = await app.inject({
        method: "GET",
        url: "/v1/posture",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
      const write = await app.inject({
        method: "POST",
        url: "/v1/tokens",
        headers: { authorization: `Bearer ${token}` },
        payload: { role: "admin", name: "escalate" },
      });
      expect(write.statusCode).toBe(403);
    } finally {
      await app.close();
    }
  });

  it("rejects an unknown role with a sentence, not a stack trace", () => {
    const result = runCli(["store", "token", "create", "--role", "root", "--data-dir", dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--role must be one of admin, lead, auditor");
    expect(result.stderr).not.toContain("    at ");
  });

  it("verify of a folder with no store says so in a sentence (exit 2)", () => {
    const empty = mkdtempSync(join(tmpdir(), "assay-no-store-"));
    const result = runCli(["store", "verify", "--data-dir", empty]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no Assay store at");
    expect(result.stderr).not.toContain("    at ");
  });

  it("verify passes on an intact ledger and names the entry after a row is edited", async () => {
    const ok = runCli(["store", "verify", "--data-dir", dir]);
    // Entry 1 is the agent's enrolment, 2 and 3 its reports.
    expect(ok.stdout).toContain(
      "Ledger verified: 3 entries, 2 reports and 2 signatures checked, 1 identity entries checked",
    );
    expect(ok.stdout).toContain(
      "Current state, drift events, assets, resource owners and the findings' failing_since match a replay",
    );
    expect(ok.code).toBe(0);

    const db = await openRawSqlite(join(dir, "assay-store.sqlite"));
    const row = db.get("SELECT id FROM reports WHERE ledger_seq = 2") as { id: string };
    db.run(
      `UPDATE reports SET body = replace(body, '"status":"fail"', '"status":"pass"') WHERE ledger_seq = 2`,
    );
    db.close();

    const broken = runCli(["store", "verify", "--data-dir", dir]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("Ledger BROKEN: 1 problems (1 report).");
    expect(broken.stdout).toContain(`entry 2 (report ${row.id}): the stored report does not match the hash`);
    const json = runCli(["store", "verify", "--json", "--data-dir", dir]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      problems: 1,
      counts: { report: 1 },
      broken: [{ seq: 2, kind: "report", ref: row.id }],
    });
  });

  it("sets an agent's scopes and re-binds a device resource, each a ledger entry; bad input is a sentence", async () => {
    const own = mkdtempSync(join(tmpdir(), "assay-store-cli-own-"));
    try {
      const app = await buildApp({
        dataDir: own,
        logLevel: "silent",
        backgroundJobs: false,
        enrolmentSecret: ENROLMENT_SECRET,
      });
      let first: Awaited<ReturnType<typeof enrolAgent>>;
      let second: Awaited<ReturnType<typeof enrolAgent>>;
      try {
        first = await enrolAgent(app, undefined, "old-laptop");
        second = await enrolAgent(app, undefined, "new-laptop");
        const report = signedReport(first, [
          { ruleId: "DEV-ENC-001", resourceUid: "device:cli", status: "pass" },
        ]);
        expect((await postReport(app, first, report)).statusCode).toBe(201);
      } finally {
        await app.close();
      }
      const scopes = runCli([
        "store",
        "agent",
        "scopes",
        second.agentId,
        "--scope",
        "aws:123456789012",
        "--data-dir",
        own,
      ]);
      expect(scopes.stderr).toBe("");
      expect(scopes.code).toBe(0);
      expect(scopes.stdout).toContain(`Agent ${second.agentId} may report on aws:123456789012.`);
      const bad = runCli([
        "store",
        "agent",
        "scopes",
        second.agentId,
        "--scope",
        "123456789012",
        "--data-dir",
        own,
      ]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("must be provider:account");
      expect(bad.stderr).not.toContain("    at ");

      const rebind = runCli([
        "store",
        "rebind",
        "device:cli",
        "--agent",
        second.agentId,
        "--reason",
        "re-enrolled",
        "--data-dir",
        own,
      ]);
      expect(rebind.code).toBe(0);
      expect(rebind.stdout).toContain(
        `device:cli now belongs to agent ${second.agentId} (was ${first.agentId})`,
      );
      const unknown = runCli([
        "store",
        "rebind",
        "device:cli",
        "--agent",
        "01JAAAAAAAAAAAAAAAAAAAAAAA",
        "--reason",
        "x",
        "--data-dir",
        own,
      ]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain("No active agent 01JAAAAAAAAAAAAAAAAAAAAAAA");

      const verified = runCli(["store", "verify", "--json", "--data-dir", own]);
      expect(verified.code).toBe(0);
      expect(JSON.parse(verified.stdout)).toMatchObject({
        ok: true,
        recordsChecked: 4,
        derivedChecked: true,
      });
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it("serve listens, logs JSON, answers /healthz and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [join(PACKAGE_ROOT, "dist", "cli", "index.js"), "store", "serve", "--data-dir", dir, "--port", "0"],
      {
        env: { ...process.env, ASSAY_ENROLMENT_SECRET: ENROLMENT_SECRET },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("store serve did not start")), 30_000);
        createInterface({ input: child.stdout! }).on("line", (line) => {
          const entry = JSON.parse(line) as { msg?: string };
          const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(entry.msg ?? "");
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.once("exit", (code) => reject(new Error(`store serve exited with ${code}`)));
      });
      const health = await fetch(`${address}/healthz`);
      expect(await health.json()).toEqual({ status: "ok", database: "sqlite" });
      const enrol = await fetch(`${address}/v1/enrol`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          enrolmentSecret: "wrong-secret-0123456789",
          hostname: "h",
          platform: "linux",
          publicKeyPem: "x".repeat(60),
        }),
      });
      expect(enrol.status).toBe(401);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
  });
});
