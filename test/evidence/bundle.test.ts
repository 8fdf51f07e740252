import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNoteVerifierKey } from "../../src/core/signed-note.js";
import { type Framework, loadFrameworks } from "../../src/engine/catalogue.js";
import { BUILTIN_FRAMEWORKS_DIR } from "../../src/engine/paths.js";
import { type BundleRequest, buildBundle, type TreeProofs } from "../../src/evidence/build.js";
import { EntryLineSchema, PATHS } from "../../src/evidence/format.js";
import { verifyBundle } from "../../src/evidence/verify.js";
import { readZipStrict, ZipWriter } from "../../src/evidence/zip.js";
import { entryHash } from "../../src/store/ledger.js";
import { oscalValidator } from "../formats/validators.js";
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
import { ledgerTree } from "./ledger-tree.js";

const day = 86_400_000;
const START = Date.parse("2026-01-01T00:00:00Z");

async function collect(run: (out: PassThrough) => Promise<unknown>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await run(out);
  return Buffer.concat(chunks);
}

async function rezip(files: Map<string, Buffer>): Promise<Buffer> {
  return collect(async (out) => {
    const zip = new ZipWriter(out);
    for (const [path, bytes] of files) await zip.add(path, bytes);
    await zip.finish();
  });
}

describe.each(databases())("evidence bundles on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agents: TestAgent[];
  let frameworks: Framework[];
  let tree: ReturnType<typeof ledgerTree>;
  let clock = new Date(START);
  const request: BundleRequest = {
    framework: "iso27001-2022",
    controls: ["A.8.24", "A.5.1"],
    from: "2026-01-01T00:00:00.000Z",
    to: "2026-03-01T00:00:00.000Z",
  };
  const build = (proofs: TreeProofs, req: BundleRequest = request) =>
    collect((out) => buildBundle(app.assay.store.db, proofs, frameworks, req, out, clock));
  const keys = () => [parseNoteVerifierKey(tree.verifierKey)];

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { retention: { days: 30 } }, { now: () => clock });
    frameworks = await loadFrameworks(BUILTIN_FRAMEWORKS_DIR);
    agents = [await enrolAgent(app, undefined, "laptop-1"), await enrolAgent(app, undefined, "laptop-2")];
    // Six reports, ten days apart, alternating agents.
    for (let i = 0; i < 6; i++) {
      clock = new Date(START + (i * 10 + 1) * day);
      const agent = agents[i % 2] as TestAgent;
      const res = await postReport(app, agent, signedReport(agent, realisticFindings(`r${i}`), clock));
      expect(res.statusCode).toBe(201);
    }
    clock = new Date(START + 55 * day);
    tree = ledgerTree(app.assay.store.db);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("builds a bundle that verifies offline, with every part the issue lists", async () => {
    const bundle = await build(tree.proofs);
    const result = await verifyBundle(bundle, keys());
    expect(result.failures).toEqual([]);
    expect(result.checked.reports).toBe(6);
    expect(result.checked.entries).toBe(8); // 2 enrolments + 6 reports
    const files = readZipStrict(bundle);
    for (const path of [
      PATHS.manifest,
      PATHS.summary,
      PATHS.checkpoint,
      PATHS.entries,
      PATHS.findingsCsv,
      PATHS.findingsJsonl,
      PATHS.assessmentResults,
      PATHS.assessmentPlan,
    ])
      expect(files.has(path), path).toBe(true);
    const entries = files
      .get(PATHS.entries)!
      .toString()
      .trim()
      .split("\n")
      .map((l) => EntryLineSchema.parse(JSON.parse(l)));
    expect(entries.filter((e) => e.kind === "agent-enrolled")).toHaveLength(2);
    for (const e of entries.filter((x) => x.kind === "agent-enrolled"))
      expect(files.has(PATHS.record(e.ref))).toBe(true);
    const summary = files.get(PATHS.summary)!.toString();
    expect(summary).toContain("Devices:                               42");
    expect(summary).toContain("iso27001-2022:A.5.1");
    expect(summary).toContain("MANUAL");
    const jsonl = files.get(PATHS.findingsJsonl)!.toString().trim().split("\n");
    // Only findings evidencing A.8.24 (the pool maps DEV-ENC-001, AWS-S3-001 and AWS-KMS-001 to it).
    expect(jsonl.length).toBeGreaterThan(0);
    for (const line of jsonl) expect(JSON.parse(line).controls).toContain("iso27001-2022:A.8.24");
    const ar = JSON.parse(files.get(PATHS.assessmentResults)!.toString());
    expect(oscalValidator()(ar)).toEqual([]);
    expect(ar["assessment-results"].metadata["oscal-version"]).toBe("1.2.0");
    // import-ap resolves: a back-matter resource pointing at the plan beside it, with the plan's SHA-256.
    const planRef = ar["assessment-results"]["import-ap"].href.slice(1);
    const planResource = ar["assessment-results"]["back-matter"].resources.find(
      (r: { uuid: string }) => r.uuid === planRef,
    );
    expect(planResource.rlinks[0].href).toBe("assessment-plan.json");
    const planBytes = files.get(PATHS.assessmentPlan)!;
    expect(planResource.rlinks[0].hashes[0].value).toBe(createHash("sha256").update(planBytes).digest("hex"));
    expect(
      JSON.parse(planBytes.toString())["assessment-plan"]["reviewed-controls"]["control-selections"][0][
        "include-controls"
      ],
    ).toEqual([{ "control-id": "A.5.1" }, { "control-id": "A.8.24" }]);
    const manual = ar["assessment-results"].results[0].findings.find(
      (f: { target: { "target-id": string } }) => f.target["target-id"] === "A.5.1",
    );
    expect(manual.target.status.state).toBe("not-satisfied");
  });

  it("names a failure for a byte flipped anywhere in the bundle", async () => {
    const bundle = await build(tree.proofs);
    // Every byte of the headers and directory, and a spread of positions through the data.
    const positions = new Set<number>();
    const step = Math.max(1, Math.floor(bundle.length / 400));
    for (let i = 0; i < bundle.length; i += step) positions.add(i);
    for (let i = Math.max(0, bundle.length - 2000); i < bundle.length; i++) positions.add(i);
    for (let i = 0; i < 200; i++) positions.add(i);
    let checked = 0;
    for (const at of positions) {
      const copy = Buffer.from(bundle);
      copy[at] = (copy[at] as number) ^ 0xff;
      const result = await verifyBundle(copy, keys());
      expect(result.ok, `byte ${at}`).toBe(false);
      expect(result.failures[0], `byte ${at}`).toMatch(/bundle|\.json|\.txt|\.csv|entry|report/);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(400);
  });

  it("names every altered file even when the zip is rebuilt around it", async () => {
    const files = readZipStrict(await build(tree.proofs));
    const report = [...files.keys()].find((p) => p.startsWith("reports/"))!;
    const altered = new Map(files);
    const body = altered.get(report)!.toString().replace('"status":"fail"', '"status":"pass"');
    altered.set(report, Buffer.from(body));
    const result = await verifyBundle(await rezip(altered), keys());
    expect(result.failures).toContain(
      `${report}: its SHA-256 differs from the manifest (the file was altered)`,
    );
    expect(result.failures.some((f) => f.startsWith(`${report}: does not hash to ledger entry`))).toBe(true);
  });

  it("re-derives the findings from the signed reports and names the first line that differs", async () => {
    const files = readZipStrict(await build(tree.proofs));
    const lines = files.get(PATHS.findingsJsonl)!.toString().split("\n");
    const line = lines[2]!;
    lines[2] = line.includes('"status":"fail"')
      ? line.replace('"status":"fail"', '"status":"pass"')
      : line.replace('"status":"pass"', '"status":"fail"');
    const edited = new Map(files);
    edited.set(PATHS.findingsJsonl, Buffer.from(lines.join("\n")));
    // A forger who also rewrites the manifest still fails on the signed reports.
    const manifest = JSON.parse(edited.get(PATHS.manifest)!.toString());
    for (const f of manifest.files)
      if (f.path === PATHS.findingsJsonl) {
        const bytes = edited.get(PATHS.findingsJsonl)!;
        f.sha256 = createHash("sha256").update(bytes).digest("hex");
        f.bytes = bytes.length;
      }
    edited.set(PATHS.manifest, Buffer.from(JSON.stringify(manifest)));
    const result = await verifyBundle(await rezip(edited), keys());
    expect(result.failures).toEqual([
      `${PATHS.findingsJsonl}: line 3 differs from the findings of the signed reports`,
    ]);
    // A line dropped from the end is named too.
    edited.set(
      PATHS.findingsJsonl,
      Buffer.from(
        `${files.get(PATHS.findingsJsonl)!.toString().trim().split("\n").slice(0, -1).join("\n")}\n`,
      ),
    );
    const truncated = await verifyBundle(await rezip(edited), keys());
    const count = files.get(PATHS.findingsJsonl)!.toString().trim().split("\n").length;
    expect(truncated.failures).toContain(
      `${PATHS.findingsJsonl}: line ${count} differs from the findings of the signed reports`,
    );
    // And a line added after the last one.
    edited.set(
      PATHS.findingsJsonl,
      Buffer.concat([files.get(PATHS.findingsJsonl)!, Buffer.from(`${lines[0]}\n`)]),
    );
    const appended = await verifyBundle(await rezip(edited), keys());
    expect(appended.failures).toContain(
      `${PATHS.findingsJsonl}: line ${count + 1} differs from the findings of the signed reports`,
    );
  });

  it("names a report removed, with or without its manifest line", async () => {
    const files = readZipStrict(await build(tree.proofs));
    const report = [...files.keys()].find((p) => p.startsWith("reports/"))!;
    const without = new Map(files);
    without.delete(report);
    let result = await verifyBundle(await rezip(without), keys());
    expect(result.failures).toContain(
      `${report}: listed in the manifest but missing from the bundle (removed)`,
    );
    // The manifest rewritten to match: the ledger entry still lists the report as included.
    const manifest = JSON.parse(without.get(PATHS.manifest)!.toString());
    manifest.files = manifest.files.filter((f: { path: string }) => f.path !== report);
    without.set(PATHS.manifest, Buffer.from(JSON.stringify(manifest)));
    result = await verifyBundle(await rezip(without), keys());
    expect(
      result.failures.some((f) => f.includes(`listed as included but ${report} is missing (removed)`)),
    ).toBe(true);
    // The entry line removed too: the run of the period's entries has a gap.
    const id = report.slice("reports/".length, -".json".length);
    const lines = without
      .get(PATHS.entries)!
      .toString()
      .split("\n")
      .filter((l) => !l.includes(`"ref":"${id}"`));
    without.set(PATHS.entries, Buffer.from(lines.join("\n")));
    result = await verifyBundle(await rezip(without), keys());
    expect(
      result.failures.some((f) => /ledger entry \d+: missing from the period's entries \(removed\)/.test(f)),
    ).toBe(true);
  });

  it("refuses a checkpoint signed by another key", async () => {
    const other = ledgerTree(app.assay.store.db);
    const result = await verifyBundle(await build(tree.proofs), [parseNoteVerifierKey(other.verifierKey)]);
    expect(
      result.failures.some((f) => f.startsWith(`${PATHS.checkpoint}: its signature does not verify`)),
    ).toBe(true);
  });

  it("proves the tree extends a witnessed checkpoint, and fails by name once the database was rewritten", async () => {
    const witnessed = await tree.proofs.checkpoint();
    const witnessedSize = Number(witnessed.split("\n")[1]);
    // The log grows honestly: the bundle's tree extends the witnessed one.
    clock = new Date(START + 56 * day);
    const res = await postReport(app, agents[0]!, signedReport(agents[0]!, realisticFindings("late"), clock));
    expect(res.statusCode).toBe(201);
    const honest = await build(tree.proofs, { ...request, witnessedSizes: [witnessedSize] });
    const ok = await verifyBundle(honest, keys(), witnessed);
    expect(ok.failures).toEqual([]);
    expect(ok.checked.witnessedSize).toBe(witnessedSize);
    // Without the proof in the bundle, the verifier says what to do.
    const noProof = await verifyBundle(await build(tree.proofs), keys(), witnessed);
    expect(noProof.failures.some((f) => f.includes("rebuild it with --witnessed"))).toBe(true);

    // Someone with write access rewrites entry 3 and re-chains everything after it, then re-signs a checkpoint.
    const db = app.assay.store.db;
    const rows = await db.selectFrom("ledger").selectAll().orderBy("seq").execute();
    let prev = rows[1]!.entry_hash;
    for (const row of rows.slice(2)) {
      const content = row.seq === 3 ? "f".repeat(64) : row.content_hash;
      const next = { ...row, content_hash: content, prev_hash: prev };
      const hash = entryHash(next);
      await db
        .updateTable("ledger")
        .set({ content_hash: content, prev_hash: prev, entry_hash: hash })
        .where("seq", "=", row.seq)
        .execute();
      prev = hash;
    }
    await db.updateTable("ledger_head").set({ entry_hash: prev }).where("id", "=", 1).execute();
    const forged = await build(tree.proofs, { ...request, witnessedSizes: [witnessedSize] });
    const result = await verifyBundle(forged, keys(), witnessed);
    expect(result.failures.some((f) => f.startsWith("consistency: the bundle's tree of"))).toBe(true);
    // Put the rows back for the next test.
    for (const row of rows)
      await db
        .updateTable("ledger")
        .set({ content_hash: row.content_hash, prev_hash: row.prev_hash, entry_hash: row.entry_hash })
        .where("seq", "=", row.seq)
        .execute();
    await db
      .updateTable("ledger_head")
      .set({ entry_hash: rows.at(-1)!.entry_hash })
      .where("id", "=", 1)
      .execute();
  });

  it("keeps a bundle made before a retention disposal verifying, and says when a period was disposed of", async () => {
    const before = await build(tree.proofs);
    const beforeCheckpoint = readZipStrict(before).get(PATHS.checkpoint)!.toString();
    const admin = await personToken(app, "admin");
    clock = new Date(START + 60 * day); // cutoff Jan 31: the reports of Jan 2, 12 and 22 go
    const res = await app.inject({
      method: "POST",
      url: "/v1/retention/run",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(200);
    expect((await verifyBundle(before, keys())).failures).toEqual([]);

    const after = await build(tree.proofs, {
      ...request,
      witnessedSizes: [Number(beforeCheckpoint.split("\n")[1])],
    });
    const result = await verifyBundle(after, keys(), beforeCheckpoint);
    expect(result.failures).toEqual([]);
    expect(result.checked.disposedReports).toBe(3);
    expect(result.checked.reports).toBe(4);
    const files = readZipStrict(after);
    expect(files.get(PATHS.summary)!.toString()).toMatch(
      /DISPOSED: 3 report\(s\) of the period were disposed of/,
    );
    expect([...files.keys()].some((p) => p.startsWith("disposals/"))).toBe(true);
    const ar = JSON.parse(files.get(PATHS.assessmentResults)!.toString());
    expect(oscalValidator()(ar)).toEqual([]);
    expect(ar["assessment-results"].results[0].remarks).toMatch(
      /^3 report\(s\) of the period were disposed of/,
    );
  });
});
