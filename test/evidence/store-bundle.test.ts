import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNoteVerifierKey } from "../../src/core/signed-note.js";
import { PACKAGE_ROOT } from "../../src/engine/paths.js";
import { PATHS } from "../../src/evidence/format.js";
import { verifyBundle } from "../../src/evidence/verify.js";
import { readZipStrict } from "../../src/evidence/zip.js";
import { entryHash } from "../../src/store/ledger.js";
import { backfillTree } from "../../src/store/tree.js";
import { runCli } from "../helpers/cli.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  realisticFindings,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "../store/fixtures.js";

const day = 86_400_000;
const START = Date.parse("2026-01-01T00:00:00Z");
const QUERY = "framework=iso27001-2022&controls=A.8.24,A.5.1&from=2026-01-01&to=2026-03-01";

/** The built CLI, asynchronously: the store under test answers in this same process. */
function runCliAsync(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, "dist", "cli", "index.js"), ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(databases())("evidence bundles from the store on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let auditor: string;
  let admin: string;
  let dir: string;
  let clock = new Date(START);
  const keys = () => [parseNoteVerifierKey(app.assay.signer.vkey)];
  const bundle = async (query = QUERY, token = auditor) =>
    app.inject({
      method: "GET",
      url: `/v1/evidence/bundle?${query}`,
      headers: { authorization: `Bearer ${token}` },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "assay-store-bundle-"));
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { retention: { days: 30 } }, { now: () => clock });
    agent = await enrolAgent(app);
    auditor = await personToken(app, "auditor");
    admin = await personToken(app, "admin");
    for (let i = 0; i < 5; i++) {
      clock = new Date(START + (i * 10 + 1) * day);
      expect(
        (await postReport(app, agent, signedReport(agent, realisticFindings(`s${i}`), clock))).statusCode,
      ).toBe(201);
    }
    clock = new Date(START + 55 * day);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("streams an auditor a bundle that verifies with the store's public key alone", async () => {
    const res = await bundle();
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/zip");
    const result = await verifyBundle(res.rawPayload, keys());
    expect(result.failures).toEqual([]);
    expect(result.checked.reports).toBe(5);
    // The checkpoint is the store's own, signed with its key and kept like every checkpoint.
    const note = readZipStrict(res.rawPayload).get(PATHS.checkpoint)!.toString();
    const served = await app.inject({
      method: "GET",
      url: "/v1/checkpoint",
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(served.body).toBe(note);
  });

  it("refuses a bad query with 400 naming the field", async () => {
    const cases: [string, string][] = [
      ["framework=nope&from=2026-01-01&to=2026-02-01", "framework"],
      ["framework=iso27001-2022&controls=Z.9&from=2026-01-01&to=2026-02-01", "controls"],
      ["controls=A.8.24&from=2026-01-01&to=2026-02-01", "framework"],
      ["from=2026-03-01&to=2026-02-01", "from"],
      ["from=yesterday&to=2026-02-01", "from"],
      ["to=2026-02-01", "from"],
      ["from=2026-01-01&to=2026-02-01&witnessed=999999", "witnessed"],
      ["from=2026-01-01&to=2026-02-01&extra=1", ""],
    ];
    for (const [query, field] of cases) {
      const res = await bundle(query);
      expect(res.statusCode, query).toBe(400);
      if (field) expect(res.json().error.field, query).toContain(field);
    }
    const agentCall = await bundle(QUERY, agent.token);
    expect(agentCall.statusCode).toBe(403);
  });

  it("assay evidence bundle downloads it with an auditor token and assay evidence verify accepts it", async () => {
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    const out = join(dir, `${database.name}.zip`);
    const got = await runCliAsync(
      [
        "evidence",
        "bundle",
        "--store",
        address,
        "--framework",
        "iso27001-2022",
        "--control",
        "A.8.24",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-01",
        "-o",
        out,
      ],
      { ASSAY_TOKEN: auditor },
    );
    expect(got.stderr).toBe("");
    expect(got.code).toBe(0);
    const keyFile = join(dir, "store.pub");
    writeFileSync(keyFile, `${app.assay.signer.vkey}\n`);
    const verified = runCli(["evidence", "verify", out, "--store-key", keyFile]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^OK /);
    const refused = await runCliAsync(
      [
        "evidence",
        "bundle",
        "--store",
        address,
        "--framework",
        "nope",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-01",
        "-o",
        join(dir, "x.zip"),
      ],
      { ASSAY_TOKEN: auditor },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the store answered 400: Unknown framework nope\. \(framework\)/);
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });

  it("keeps a bundle made before a retention disposal verifying; a bundle over the disposed period says so", async () => {
    const before = (await bundle()).rawPayload;
    const beforeCheckpoint = readZipStrict(before).get(PATHS.checkpoint)!.toString();
    clock = new Date(START + 60 * day); // cutoff Jan 31: the reports of Jan 2, 12 and 22 go
    const run = await app.inject({
      method: "POST",
      url: "/v1/retention/run",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(run.statusCode).toBe(200);
    expect((await verifyBundle(before, keys())).failures).toEqual([]);
    const size = Number(beforeCheckpoint.split("\n")[1]);
    const after = (await bundle(`${QUERY}&witnessed=${size}`)).rawPayload;
    const result = await verifyBundle(after, keys(), beforeCheckpoint);
    expect(result.failures).toEqual([]);
    expect(result.checked.disposedReports).toBe(3);
    expect(readZipStrict(after).get(PATHS.summary)!.toString()).toContain(
      "DISPOSED: 3 report(s) of the period",
    );
  });

  it("names the consistency failure when the database was rewritten after a witnessed checkpoint", async () => {
    const witnessed = readZipStrict((await bundle()).rawPayload)
      .get(PATHS.checkpoint)!
      .toString();
    const size = Number(witnessed.split("\n")[1]);
    // Someone with write access edits entry 2, re-chains every later entry, rebuilds the whole tree and has
    // a new checkpoint signed: chain, tree and signature all agree again.
    const db = app.assay.store.db;
    const rows = await db.selectFrom("ledger").selectAll().orderBy("seq").execute();
    let prev = rows[0]!.entry_hash;
    for (const row of rows.slice(1)) {
      const content = row.seq === 2 ? "e".repeat(64) : row.content_hash;
      const hash = entryHash({ ...row, content_hash: content, prev_hash: prev });
      await db
        .updateTable("ledger")
        .set({ content_hash: content, prev_hash: prev, entry_hash: hash })
        .where("seq", "=", row.seq)
        .execute();
      prev = hash;
    }
    await db.updateTable("ledger_head").set({ entry_hash: prev }).where("id", "=", 1).execute();
    await db.deleteFrom("merkle_nodes").execute();
    await db.deleteFrom("checkpoints").execute();
    await backfillTree(db, app.assay.store.dialect);
    clock = new Date(START + 61 * day);
    expect(
      (await postReport(app, agent, signedReport(agent, realisticFindings("late"), clock))).statusCode,
    ).toBe(201);
    const forged = (await bundle(`${QUERY}&witnessed=${size}`)).rawPayload;
    const result = await verifyBundle(forged, keys(), witnessed);
    expect(result.failures).toContainEqual(
      expect.stringMatching(
        /^consistency: the bundle's tree of \d+ entries does not extend the witnessed checkpoint/,
      ),
    );
  });
});
