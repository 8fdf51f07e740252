import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFrameworks } from "../../src/engine/catalogue.js";
import { BUILTIN_FRAMEWORKS_DIR } from "../../src/engine/paths.js";
import { buildBundle } from "../../src/evidence/build.js";
import { runCli } from "../helpers/cli.js";
import {
  enrolAgent,
  freshDatabase,
  postReport,
  realisticFindings,
  signedReport,
  type TestDatabase,
  testApp,
} from "../store/fixtures.js";
import { ledgerTree } from "./ledger-tree.js";

/** `assay evidence verify` as an auditor runs it: the built CLI, files on disk, no store. */
describe("assay evidence verify", () => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let dir: string;
  let bundlePath: string;
  let keyPath: string;
  let witnessedPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "assay-evidence-cli-"));
    tdb = await freshDatabase({ name: "sqlite" });
    app = await testApp(tdb.options);
    const agent = await enrolAgent(app);
    for (let i = 0; i < 3; i++)
      expect((await postReport(app, agent, signedReport(agent, realisticFindings(`c${i}`)))).statusCode).toBe(
        201,
      );
    const tree = ledgerTree(app.assay.store.db);
    const witnessed = await tree.proofs.checkpoint();
    const size = Number(witnessed.split("\n")[1]);
    expect((await postReport(app, agent, signedReport(agent, realisticFindings("c3")))).statusCode).toBe(201);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (c: Buffer) => chunks.push(c));
    await buildBundle(
      app.assay.store.db,
      tree.proofs,
      await loadFrameworks(BUILTIN_FRAMEWORKS_DIR),
      {
        framework: "iso27001-2022",
        controls: ["A.8.24"],
        from: "2000-01-01T00:00:00.000Z",
        to: "2100-01-01T00:00:00.000Z",
        witnessedSizes: [size],
      },
      out,
    );
    bundlePath = join(dir, "bundle.zip");
    keyPath = join(dir, "store.pub");
    witnessedPath = join(dir, "witnessed.txt");
    writeFileSync(bundlePath, Buffer.concat(chunks));
    writeFileSync(keyPath, `${tree.verifierKey}\n`);
    writeFileSync(witnessedPath, witnessed);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 0 and says what it proved", () => {
    const res = runCli([
      "evidence",
      "verify",
      bundlePath,
      "--store-key",
      keyPath,
      "--checkpoint",
      witnessedPath,
    ]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^OK .*4 signed reports.*extends your checkpoint of \d+ entries/);
  });

  it("reads the key file as `assay store key` prints it: current key, PEM, earlier keys", () => {
    const printed = join(dir, "printed.pub");
    const other = ledgerTree(app.assay.store.db).verifierKey;
    writeFileSync(
      printed,
      `${other}\n-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA+0123abcd+ZZZ=\n-----END PUBLIC KEY-----\ned25519 AAAA\nearlier key ${readFileSync(keyPath, "utf8").trim()} (listed 2026-01-01T00:00:00.000Z, retired 2026-02-01T00:00:00.000Z)\n`,
    );
    const res = runCli(["evidence", "verify", bundlePath, "--store-key", printed]);
    expect(res.stdout).toMatch(/^OK /);
    expect(res.code).toBe(0);
  });

  it("exits 1 naming every failure of an altered bundle", () => {
    const bytes = readFileSync(bundlePath);
    const at = Math.floor(bytes.length / 3);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    const altered = join(dir, "altered.zip");
    writeFileSync(altered, bytes);
    const res = runCli(["evidence", "verify", altered, "--store-key", keyPath, "--json"]);
    expect(res.code).toBe(1);
    const result = JSON.parse(res.stdout) as { ok: boolean; failures: string[] };
    expect(result.ok).toBe(false);
    expect(result.failures.length).toBeGreaterThan(0);
  });

  it("exits 1 when the store key is not the one that signed the checkpoint", () => {
    const other = join(dir, "other.pub");
    writeFileSync(other, `${ledgerTree(app.assay.store.db).verifierKey}\n`);
    const res = runCli(["evidence", "verify", bundlePath, "--store-key", other]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("checkpoint.txt: its signature does not verify");
  });

  it("exits 2 with a sentence for a key file that holds no key", () => {
    const bad = join(dir, "bad.pub");
    writeFileSync(bad, "not a key\n");
    const res = runCli(["evidence", "verify", bundlePath, "--store-key", bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/bad\.pub: no store verifier key/);
  });
});
