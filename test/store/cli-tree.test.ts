import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leafHash, nodeHash } from "../../src/core/merkle.js";
import { openNote, parseCheckpoint, parseNoteVerifierKey } from "../../src/core/signed-note.js";
import { PACKAGE_ROOT } from "../../src/engine/paths.js";
import { buildApp } from "../../src/store/app.js";
import { issueCheckpoint } from "../../src/store/checkpoints.js";
import { entryHash } from "../../src/store/ledger.js";
import { publishPendingCheckpoints } from "../../src/store/witness.js";
import { createWorld, type RunningEmulator, startAwsEmulator } from "../emulators/aws/server.js";
import { emptyAccount } from "../emulators/aws/state.js";
import { runCli } from "../helpers/cli.js";
import { openRawSqlite } from "../helpers/raw-sqlite.js";
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

/** The built CLI, run without blocking this process: the S3 emulator it calls lives here. */
function runCliAsync(
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
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("assay store verify --witness (built dist/)", () => {
  let dir: string;
  let emu: RunningEmulator;
  const credentials = { accessKeyId: "AKIAWITNESSCLI000001", secretAccessKey: "witness-cli-secret-not-real" };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "assay-store-witness-cli-"));
    const world = createWorld();
    world.accounts.set("777788889999", emptyAccount("777788889999"));
    world.credentials.set(credentials.accessKeyId, {
      accountId: "777788889999",
      arn: "arn:aws:iam::777788889999:user/witness",
    });
    emu = await startAwsEmulator(world);
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes against its own archived checkpoints and fails by name once the ledger is rewritten", async () => {
    const witness = {
      bucket: "cli-witness",
      prefix: "cp/",
      retentionDays: 1,
      endpoint: emu.url,
      forcePathStyle: true,
      region: "eu-west-2",
    };
    const config = join(dir, "store.json");
    writeFileSync(config, JSON.stringify({ dataDir: dir, witness }));
    const s3 = new S3Client({ region: "eu-west-2", endpoint: emu.url, forcePathStyle: true, credentials });
    await s3.send(new CreateBucketCommand({ Bucket: "cli-witness", ObjectLockEnabledForBucket: true }));
    const app = await buildApp({
      dataDir: dir,
      logLevel: "silent",
      backgroundJobs: false,
      enrolmentSecret: ENROLMENT_SECRET,
    });
    try {
      const agent = await enrolAgent(app);
      expect((await postReport(app, agent, signedReport(agent, realisticFindings("cli-w")))).statusCode).toBe(
        201,
      );
      await issueCheckpoint(app.assay.store.db, app.assay.signer.signer, app.assay.signer.origin, new Date());
      const log = { warn: (obj: object) => expect.fail(JSON.stringify(obj)) };
      expect(
        await publishPendingCheckpoints(
          app.assay.store.db,
          s3,
          { ...witness, intervalMs: 1 },
          () => new Date(),
          log,
        ),
      ).toBe(1);
    } finally {
      await app.close();
      s3.destroy();
    }
    const env = {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    };
    const ok = await runCliAsync(["store", "verify", "-c", config, "--witness", "s3://cli-witness/cp/"], env);
    expect(ok.stdout).toContain(
      "Witness s3://cli-witness/cp/: 1 archived checkpoints, each signed by the store's key and extended by the live tree of 2 entries.",
    );
    expect(ok.code).toBe(0);
    const wrongKey = await runCliAsync(
      [
        "store",
        "verify",
        "-c",
        config,
        "--witness",
        "s3://cli-witness/cp/",
        "--store-key",
        `other+01234567+AQ${"A".repeat(42)}=`,
      ],
      env,
    );
    expect(wrongKey.code).not.toBe(0);

    // Rewrite the newest entry with its hash, the head and the tree recomputed: the chain verifies, the witness does not.
    const db = await openRawSqlite(join(dir, "assay-store.sqlite"));
    try {
      const last = db.get("SELECT * FROM ledger WHERE seq = 2") as Record<string, unknown>;
      const at = "2021-01-01T00:00:00.000Z";
      const hash = entryHash({ ...last, seq: 2, appended_at: at } as never);
      db.run(`UPDATE ledger SET appended_at = '${at}', entry_hash = '${hash}' WHERE seq = 2`);
      db.run(`UPDATE ledger_head SET entry_hash = '${hash}' WHERE id = 1`);
      const leaf = leafHash(Buffer.from(hash, "hex"));
      const left = db.get("SELECT hex(hash) AS h FROM merkle_nodes WHERE level = 0 AND idx = 0") as {
        h: string;
      };
      const parent = nodeHash(Buffer.from(left.h, "hex"), leaf);
      db.run(
        `UPDATE merkle_nodes SET hash = X'${Buffer.from(leaf).toString("hex")}' WHERE level = 0 AND idx = 1`,
      );
      db.run(
        `UPDATE merkle_nodes SET hash = X'${Buffer.from(parent).toString("hex")}' WHERE level = 1 AND idx = 0`,
      );
      db.run("DELETE FROM checkpoints");
    } finally {
      db.close();
    }
    const broken = await runCliAsync(
      ["store", "verify", "-c", config, "--witness", "s3://cli-witness/cp/"],
      env,
    );
    // The chain and the tree agree again (a derived-table mismatch from the new time is listed too), but the
    // witnessed checkpoint no longer matches the live tree.
    expect(broken.stdout).not.toContain("stored Merkle node");
    expect(broken.stdout).toMatch(
      /Witness s3:\/\/cli-witness\/cp\/ BROKEN: 1 of 1 archived checkpoints fail\.\n {2}cp\/0{19}2-[0-9a-f]{8}\.checkpoint \(size 2\): the live tree's root at this size is not the witnessed root: the ledger was rewritten\./u,
    );
    expect(broken.code).toBe(1);
  });
});
