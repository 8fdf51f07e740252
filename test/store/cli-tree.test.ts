import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNote, parseCheckpoint, parseNoteVerifierKey } from "../../src/core/signed-note.js";
import { buildApp } from "../../src/store/app.js";
import { runCli } from "../helpers/cli.js";
import { ENROLMENT_SECRET, enrolAgent, postReport, realisticFindings, signedReport } from "./fixtures.js";

describe("assay store key / checkpoint (built dist/)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "assay-store-tree-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the public key (created 0600 on first use), signs checkpoints, rotates, and verify checks them", async () => {
    const first = runCli(["store", "key", "--data-dir", dir]);
    expect(first.code).toBe(0);
    const [vkey, ...rest] = first.stdout.split("\n");
    const key = parseNoteVerifierKey(vkey!);
    expect(rest.join("\n")).toContain("-----BEGIN PUBLIC KEY-----");
    expect(first.stdout).toContain(`ed25519 ${Buffer.from(key.raw).toString("base64")}`);
    expect(first.stdout + first.stderr).not.toContain("PRIVATE");
    expect(statSync(join(dir, "store-signing.key")).mode & 0o777).toBe(0o600);
    expect(runCli(["store", "key", "--data-dir", dir]).stdout.split("\n")[0]).toBe(vkey);

    const empty = runCli(["store", "checkpoint", "--data-dir", dir]);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain("The ledger is empty");

    const app = await buildApp({
      dataDir: dir,
      logLevel: "silent",
      backgroundJobs: false,
      enrolmentSecret: ENROLMENT_SECRET,
    });
    try {
      const agent = await enrolAgent(app);
      const res = await postReport(app, agent, signedReport(agent, realisticFindings("cli-tree")));
      expect(res.statusCode).toBe(201);
    } finally {
      await app.close();
    }

    const signed = runCli(["store", "checkpoint", "--data-dir", dir]);
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain("Signed a checkpoint of 2 entries");
    expect(parseCheckpoint(openNote(signed.stdout, key)).size).toBe(2);

    const rotated = runCli(["store", "key", "--rotate", "--data-dir", dir]);
    expect(rotated.code).toBe(0);
    const newKey = rotated.stdout.split("\n")[0]!;
    expect(newKey).not.toBe(vkey);
    expect(rotated.stdout).toContain(`earlier key ${vkey}`);
    expect(rotated.stderr).toContain("retired");

    const verify = runCli(["store", "verify", "--data-dir", dir]);
    expect(verify.stdout).toContain(
      "Merkle tree verified: 3 stored nodes match the tree of the ledger's entries; 1 signed checkpoints checked.",
    );
    expect(verify.code).toBe(0);
  });
});
