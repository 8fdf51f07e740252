import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFrameworks } from "../../src/engine/catalogue.js";
import { BUILTIN_FRAMEWORKS_DIR } from "../../src/engine/paths.js";
import { BundleOscal } from "../../src/evidence/oscal.js";
import { readSpool, SpoolFile, type TextSink } from "../../src/evidence/spool.js";
import { buildReport, type FindingSpec } from "../store/fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assay-spool-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("SpoolFile", () => {
  it("keeps every byte of short, multi-byte and buffer-sized writes, in order, and reads them back", async () => {
    const path = join(dir, "mixed.txt");
    const spool = await SpoolFile.create(path);
    const pieces: string[] = [];
    for (let i = 0; i < 5000; i++) pieces.push(`line ${i} é€😀 ${"x".repeat(i % 97)}\n`);
    pieces.push(`${"€".repeat(200_000)}\n`); // more than the 256 KiB buffer on its own
    pieces.push("😀".repeat(50_000)); // surrogate pairs across the buffer's end
    pieces.push("end\n");
    for (const p of pieces) await spool.write(p);
    await spool.close();
    const expected = Buffer.from(pieces.join(""), "utf8");
    expect((await readFile(path)).equals(expected)).toBe(true);
    // readSpool refills one buffer: a copy of each piece, taken before the next is asked for, is the file.
    const read: Buffer[] = [];
    for await (const piece of readSpool(path)) read.push(Buffer.from(piece));
    expect(read.length).toBeGreaterThan(1);
    expect(Buffer.concat(read).equals(expected)).toBe(true);
  });

  it("refuses to reuse an existing file and discards what a failed build buffered", async () => {
    const path = join(dir, "once.txt");
    const spool = await SpoolFile.create(path);
    await spool.write("never flushed");
    await spool.discard();
    expect(await readFile(path, "utf8")).toBe("");
    await expect(SpoolFile.create(path)).rejects.toThrow(/EEXIST/);
  });
});

describe("BundleOscal", () => {
  it("lists every related observation of a control when they span several slices", async () => {
    const frameworks = await loadFrameworks(BUILTIN_FRAMEWORKS_DIR);
    const findings: FindingSpec[] = Array.from({ length: 2_345 }, (_, i) => ({
      ruleId: "DEV-ENC-001",
      resourceUid: `host-${i}`,
      status: i % 3 === 0 ? "fail" : "pass",
    }));
    const report = buildReport({ agentId: "agent-1" }, findings, new Date("2026-02-01T00:00:00Z"));
    const observations: string[] = [];
    const sink: TextSink = {
      write: async (text) => {
        observations.push(text);
      },
    };
    const oscal = new BundleOscal(
      frameworks,
      { framework: "iso27001-2022", controls: ["A.8.24"], from: "2026-01-01", to: "2026-03-01" },
      new Date("2026-03-02T00:00:00Z"),
      sink,
    );
    await oscal.addReport(report);
    await oscal.finishObservations();
    let text = "";
    for await (const piece of oscal.assessmentResults(
      (async function* () {
        yield* observations;
      })(),
      "0".repeat(64),
    ))
      text += piece;
    const doc = JSON.parse(text) as {
      "assessment-results": {
        results: {
          observations: { uuid: string }[];
          findings: { "related-observations"?: { "observation-uuid": string }[] }[];
        }[];
      };
    };
    const result = doc["assessment-results"].results[0]!;
    expect(result.observations).toHaveLength(2_345);
    const related = result.findings.flatMap((f) => f["related-observations"] ?? []);
    expect(related.map((r) => r["observation-uuid"])).toEqual(result.observations.map((o) => o.uuid));
  });
});
