import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import type { Kysely } from "kysely";
import { canonicalJson } from "../core/canonical.js";
import type { Hash } from "../core/merkle.js";
import type { ScanReport } from "../core/report.js";
import { parseCheckpoint } from "../core/signed-note.js";
import type { Framework } from "../engine/catalogue.js";
import type { Database } from "../store/db/schema.js";
import { disposalRecord } from "../store/retention.js";
import { type ControlSelection, FINDINGS_CSV_HEADER, findingLines, selectedFindings } from "./findings.js";
import {
  BUNDLE_FORMAT,
  type BundleQuery,
  type ConsistencyProofs,
  type EntryLine,
  type Manifest,
  PATHS,
  toBase64,
} from "./format.js";
import { BundleOscal } from "./oscal.js";
import { readSpool, SpoolFile } from "./spool.js";
import { bundleSummary, type SummaryFacts } from "./summary.js";
import { type WrittenEntry, ZipWriter } from "./zip.js";

/**
 * What the builder needs from the store's Merkle tree (i13-tree's store-side functions, or a stand-in in
 * tests): the signed checkpoint to prove against, and proofs in the tree of that checkpoint's size.
 */
export interface TreeProofs {
  /** A signed checkpoint note (C2SP tlog-checkpoint) covering the current ledger. */
  checkpoint(): Promise<string>;
  /** One audit path per seq (leaf seq − 1) in the tree of `treeSize` leaves, in the order given. */
  inclusionProofs(seqs: readonly number[], treeSize: number): Promise<Hash[][]>;
  consistencyProof(fromSize: number, toSize: number): Promise<Hash[]>;
}

export interface BundleRequest extends ControlSelection {
  /** ISO-8601 UTC timestamps, inclusive. */
  from: string;
  to: string;
  /** Tree sizes of checkpoints the auditor already holds: the bundle carries a consistency proof from each. */
  witnessedSizes?: readonly number[];
}

// Ledger entries read (and their reports parsed) per step: bounds the builder's memory. A page's report bodies
// live until the page is done; at 100 they outlived two scavenges and were promoted, so every page left ~3 MB
// of old-generation garbage (bench/README.md); at 25 they die young, at the same CPU time.
const PAGE = 25;
const IDENTITY_KINDS = ["agent-enrolled", "agent-revoked"] as const;

/**
 * Streams an evidence bundle for `request` into `out`. Memory stays bounded by a page of ledger entries and
 * the per-control tallies: report files go into the zip as they are read, findings and OSCAL observations are
 * spooled to temporary files and copied in afterwards (a zip is written one entry after another).
 */
export async function buildBundle(
  db: Kysely<Database>,
  tree: TreeProofs,
  frameworks: readonly Framework[],
  request: BundleRequest,
  out: Writable,
  now: Date = new Date(),
): Promise<SummaryFacts> {
  const note = await tree.checkpoint();
  const checkpoint = parseCheckpoint(note.slice(0, note.indexOf("\n\n") + 1));
  const treeSize = checkpoint.size;
  const dir = await mkdtemp(join(tmpdir(), "assay-bundle-"));
  const zip = new ZipWriter(out);
  const written: WrittenEntry[] = [];
  const spools: SpoolFile[] = [];
  const spoolFile = async (name: string) => {
    const file = await SpoolFile.create(join(dir, name));
    spools.push(file);
    return file;
  };
  try {
    const spool = {
      entries: await spoolFile("entries.jsonl"),
      jsonl: await spoolFile("findings.jsonl"),
      csv: await spoolFile("findings.csv"),
      observations: await spoolFile("observations.json"),
    };
    const oscal = new BundleOscal(frameworks, request, now, spool.observations);
    const facts: SummaryFacts = {
      request,
      builtAt: now.toISOString(),
      treeSize,
      origin: checkpoint.origin,
      periodEntries: 0,
      reportsIncluded: 0,
      reportsNotRelevant: 0,
      reportsDisposed: 0,
      findings: 0,
      devices: new Set(),
      resources: new Set(),
      agents: new Set(),
      disposals: [],
      controls: oscal.controls,
    };
    await spool.csv.write(FINDINGS_CSV_HEADER);

    const range = await db
      .selectFrom("ledger")
      .select([(eb) => eb.fn.min("seq").as("first"), (eb) => eb.fn.max("seq").as("last")])
      .where("appended_at", ">=", request.from)
      .where("appended_at", "<=", request.to)
      .where("seq", "<=", treeSize)
      .executeTakeFirst();
    const periodSeqs: [number, number] | null =
      range?.first != null && range.last != null ? [Number(range.first), Number(range.last)] : null;

    const disposalIds = new Set<string>();
    const listed = new Set<number>();
    const addEntries = async (
      rows: Database["ledger"][],
      role: EntryLine["role"],
      annotate: (row: Database["ledger"]) => Promise<Partial<EntryLine>> | Partial<EntryLine>,
    ) => {
      const proofs = await tree.inclusionProofs(
        rows.map((r) => Number(r.seq)),
        treeSize,
      );
      for (const [i, row] of rows.entries()) {
        const seq = Number(row.seq);
        listed.add(seq);
        const line: EntryLine = {
          role,
          seq,
          kind: row.kind,
          ref: row.ref,
          contentHash: row.content_hash,
          prevHash: row.prev_hash,
          appendedAt: row.appended_at,
          entryHash: row.entry_hash,
          inclusionProof: (proofs[i] ?? []).map(toBase64),
          ...(await annotate(row)),
        };
        await spool.entries.write(`${JSON.stringify(line)}\n`);
      }
    };
    const recordFiles = async (rows: Database["ledger"][]) => {
      const ids = rows.filter((r) => r.kind !== "report" && r.kind !== "disposal").map((r) => r.ref);
      if (ids.length === 0) return;
      const records = await db
        .selectFrom("ledger_records")
        .select(["id", "body"])
        .where("id", "in", ids)
        .execute();
      for (const r of records) written.push(await zip.add(PATHS.record(r.id), r.body));
    };

    // 1. The period's entries, page by page; each report read once.
    if (periodSeqs) {
      for (let after = periodSeqs[0] - 1; after < periodSeqs[1]; ) {
        const rows = await db
          .selectFrom("ledger")
          .selectAll()
          .where("seq", ">", after)
          .where("seq", "<=", periodSeqs[1])
          .orderBy("seq")
          .limit(PAGE)
          .execute();
        if (rows.length === 0) break;
        after = Number(rows[rows.length - 1]?.seq);
        facts.periodEntries += rows.length;
        const reportIds = rows.filter((r) => r.kind === "report").map((r) => r.ref);
        const reports = new Map(
          reportIds.length
            ? (
                await db
                  .selectFrom("reports")
                  .select(["id", "body", "disposal_id"])
                  .where("id", "in", reportIds)
                  .execute()
              ).map((r) => [r.id, r])
            : [],
        );
        await recordFiles(rows);
        await addEntries(rows, "period", async (row) => {
          if (row.kind === "disposal") disposalIds.add(row.ref);
          if (row.kind !== "report") return {};
          const stored = reports.get(row.ref);
          if (!stored?.body) {
            facts.reportsDisposed += 1;
            if (stored?.disposal_id) disposalIds.add(stored.disposal_id);
            return { report: "disposed", ...(stored?.disposal_id ? { disposalId: stored.disposal_id } : {}) };
          }
          const report = JSON.parse(stored.body) as ScanReport;
          if (selectedFindings(report, request).length === 0) {
            facts.reportsNotRelevant += 1;
            return { report: "not-relevant" };
          }
          written.push(await zip.add(PATHS.report(report.id), stored.body));
          const lines = findingLines(report, Number(row.seq), request);
          await spool.jsonl.write(lines.jsonl);
          await spool.csv.write(lines.csv);
          await oscal.addReport(report);
          facts.reportsIncluded += 1;
          facts.findings += lines.count;
          facts.agents.add(report.agent.id);
          for (const r of report.resources)
            (r.type === "device" ? facts.devices : facts.resources).add(r.uid);
          return { report: "included" };
        });
      }
    }

    // 2. The enrolment and revocation records of the agents whose reports are included.
    if (facts.agents.size) {
      const records = await db
        .selectFrom("ledger_records")
        .select(["id", "body", "ledger_seq"])
        .where("kind", "in", [...IDENTITY_KINDS])
        .execute();
      const seqs = records
        .filter((r) => {
          const agentId = (JSON.parse(r.body) as { agentId?: string }).agentId;
          return agentId !== undefined && facts.agents.has(agentId) && !listed.has(Number(r.ledger_seq));
        })
        .map((r) => Number(r.ledger_seq))
        .filter((seq) => seq <= treeSize);
      for (let i = 0; i < seqs.length; i += PAGE) {
        const rows = await db
          .selectFrom("ledger")
          .selectAll()
          .where("seq", "in", seqs.slice(i, i + PAGE))
          .orderBy("seq")
          .execute();
        await recordFiles(rows);
        await addEntries(rows, "identity", () => ({}));
      }
    }

    // 3. The disposals of reports of the period (made after it, usually).
    if (disposalIds.size) {
      const rows = await db
        .selectFrom("disposals")
        .selectAll()
        .where("id", "in", [...disposalIds])
        .execute();
      for (const d of rows) {
        written.push(await zip.add(PATHS.disposal(d.id), canonicalJson(disposalRecord(d))));
        facts.disposals.push({ id: d.id, disposedAt: d.disposed_at, cutoff: d.cutoff });
      }
      const seqs = rows.map((d) => Number(d.ledger_seq)).filter((s) => !listed.has(s) && s <= treeSize);
      if (seqs.length) {
        const entries = await db
          .selectFrom("ledger")
          .selectAll()
          .where("seq", "in", seqs)
          .orderBy("seq")
          .execute();
        await addEntries(entries, "disposal", () => ({}));
      }
    }

    // 4. Spooled files, then the documents about them.
    await oscal.finishObservations();
    await Promise.all(spools.splice(0).map((file) => file.close()));
    written.push(await zip.add(PATHS.entries, readSpool(join(dir, "entries.jsonl"))));
    written.push(await zip.add(PATHS.findingsJsonl, readSpool(join(dir, "findings.jsonl"))));
    written.push(await zip.add(PATHS.findingsCsv, readSpool(join(dir, "findings.csv"))));
    const plan = oscal.assessmentPlan();
    const planEntry = await zip.add(PATHS.assessmentPlan, plan);
    written.push(planEntry);
    written.push(
      await zip.add(
        PATHS.assessmentResults,
        oscal.assessmentResults(readSpool(join(dir, "observations.json")), planEntry.sha256, [
          ...(facts.reportsDisposed
            ? [
                `${facts.reportsDisposed} report(s) of the period were disposed of by retention: their findings are not in these results (disposals/ in the bundle).`,
              ]
            : []),
          ...(facts.reportsIncluded === 0
            ? ["No report in the period gives automated evidence for the selected controls."]
            : []),
        ]),
      ),
    );
    const consistency: ConsistencyProofs = [];
    for (const size of new Set(request.witnessedSizes ?? [])) {
      if (size > 0 && size < treeSize)
        consistency.push({
          fromSize: size,
          toSize: treeSize,
          proof: (await tree.consistencyProof(size, treeSize)).map(toBase64),
        });
    }
    written.push(await zip.add(PATHS.consistency, `${JSON.stringify(consistency)}\n`));
    written.push(await zip.add(PATHS.checkpoint, note));
    const query: BundleQuery = {
      ...(request.framework ? { framework: request.framework } : {}),
      controls: [...request.controls],
      from: request.from,
      to: request.to,
      builtAt: facts.builtAt,
      treeSize,
      periodSeqs,
    };
    written.push(await zip.add(PATHS.query, `${JSON.stringify(query, null, 2)}\n`));
    written.push(await zip.add(PATHS.summary, bundleSummary(facts)));
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      files: written.map(({ path, sha256, bytes }) => ({ path, sha256, bytes })),
    };
    await zip.add(PATHS.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    await zip.finish();
    return facts;
  } finally {
    await Promise.all(spools.map((file) => file.discard()));
    await rm(dir, { recursive: true, force: true });
  }
}
