import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { sha256Hex } from "../core/canonical.js";
import { equalHashes, leafHash, verifyConsistency, verifyInclusion } from "../core/merkle.js";
import { type ScanReport, ScanReportSchema } from "../core/report.js";
import {
  type Checkpoint,
  type NoteVerifierKey,
  openNote,
  parseCheckpoint,
  parseNoteVerifierKey,
} from "../core/signed-note.js";
import { verifyReportSignature } from "../core/signing.js";
import { entryHash } from "../store/ledger.js";
import { FINDINGS_CSV_HEADER, findingLines } from "./findings.js";
import {
  type BundleQuery,
  BundleQuerySchema,
  ConsistencySchema,
  DisposalRecordSchema,
  type EntryLine,
  EntryLineSchema,
  fromBase64,
  hexToBytes,
  ManifestSchema,
  PATHS,
} from "./format.js";
import { readZipEntries, type ZipEntry, ZipError } from "./zip.js";

const IDENTITY_KINDS = new Set(["agent-enrolled", "agent-revoked", "agent-scopes", "resource-rebound"]);

export interface BundleVerification {
  ok: boolean;
  /** Every problem found, each a sentence naming the file, entry or report concerned. */
  failures: string[];
  /** What was checked, for the summary line. */
  checked: {
    files: number;
    entries: number;
    reports: number;
    disposedReports: number;
    findings: number;
    treeSize: number | null;
    witnessedSize: number | null;
  };
}

/**
 * Verifies a bundle with nothing but its bytes and the store's public key(s): the manifest, the checkpoint's
 * signature, every ledger entry's hash and inclusion proof, the run of period entries (no gap, each linked to
 * the previous), every report against its entry and its agent's enrolled key, every identity and disposal
 * record against its entry, the findings files against the signed reports, and, given a checkpoint the auditor
 * kept from earlier, that the bundle's tree extends it. Collects every failure instead of stopping at the first.
 */
export async function verifyBundle(
  bundle: Uint8Array,
  storeKeys: readonly NoteVerifierKey[],
  witnessed?: string,
): Promise<BundleVerification> {
  const failures: string[] = [];
  const checked: BundleVerification["checked"] = {
    files: 0,
    entries: 0,
    reports: 0,
    disposedReports: 0,
    findings: 0,
    treeSize: null,
    witnessedSize: null,
  };
  const done = () => ({ ok: failures.length === 0, failures, checked });

  let files: Map<string, ZipEntry>;
  try {
    files = await readZipEntries(bundle);
  } catch (error) {
    failures.push(`bundle: not a readable evidence bundle: ${(error as Error).message}`);
    return done();
  }
  checked.files = files.size;
  const text = (path: string): string | undefined => {
    const entry = files.get(path);
    if (!entry) {
      failures.push(`${path}: missing from the bundle`);
      return undefined;
    }
    return entry.content().toString("utf8");
  };
  const json = <T>(path: string, parse: (v: unknown) => T): T | undefined => {
    const t = text(path);
    if (t === undefined) return undefined;
    try {
      return parse(JSON.parse(t));
    } catch (error) {
      failures.push(`${path}: not what a bundle holds there (${firstLine(error)})`);
      return undefined;
    }
  };

  // 1. The manifest: every file listed with its SHA-256, nothing unlisted.
  const manifest = json(PATHS.manifest, (v) => ManifestSchema.parse(v));
  if (manifest) {
    const listed = new Set<string>();
    for (const f of manifest.files) {
      listed.add(f.path);
      const entry = files.get(f.path);
      if (!entry) failures.push(`${f.path}: listed in the manifest but missing from the bundle (removed)`);
      else if (entry.sha256 !== f.sha256 || entry.size !== f.bytes)
        failures.push(`${f.path}: its SHA-256 differs from the manifest (the file was altered)`);
    }
    for (const path of files.keys())
      if (path !== PATHS.manifest && !listed.has(path))
        failures.push(`${path}: in the bundle but not in the manifest (added)`);
  }

  // 2. The checkpoint, signed by the store.
  let checkpoint: Checkpoint | undefined;
  const note = text(PATHS.checkpoint);
  if (note !== undefined) {
    const opened = openWithAny(note, storeKeys);
    if ("error" in opened) failures.push(`${PATHS.checkpoint}: ${opened.error}`);
    else {
      try {
        checkpoint = parseCheckpoint(opened.text);
        checked.treeSize = checkpoint.size;
      } catch (error) {
        failures.push(`${PATHS.checkpoint}: ${firstLine(error)}`);
      }
    }
  }
  const query = json(PATHS.query, (v) => BundleQuerySchema.parse(v));
  if (query && checkpoint && query.treeSize !== checkpoint.size)
    failures.push(
      `${PATHS.query}: names tree size ${query.treeSize}, the signed checkpoint ${checkpoint.size}`,
    );

  // 3. Ledger entries: hash, inclusion proof, and the unbroken run of the period's entries.
  const entries = parseEntries(text(PATHS.entries), failures);
  checked.entries = entries.length;
  const bySeq = new Map<number, EntryLine>();
  for (const e of entries) {
    const label = `ledger entry ${e.seq} (${e.kind} ${e.ref})`;
    if (bySeq.has(e.seq)) failures.push(`${label}: listed twice`);
    bySeq.set(e.seq, e);
    const recomputed = entryHash({
      seq: e.seq,
      kind: e.kind,
      ref: e.ref,
      content_hash: e.contentHash,
      prev_hash: e.prevHash,
      appended_at: e.appendedAt,
    });
    if (recomputed !== e.entryHash) failures.push(`${label}: its fields do not hash to its entry hash`);
    if (checkpoint) {
      const proof = e.inclusionProof.map(fromBase64);
      if (
        !verifyInclusion(
          leafHash(hexToBytes(e.entryHash)),
          e.seq - 1,
          checkpoint.size,
          proof,
          checkpoint.rootHash,
        )
      )
        failures.push(`${label}: its inclusion proof does not lead to the checkpoint's root`);
    }
  }
  if (query) checkPeriodRun(query, entries, bySeq, failures);

  // 4. Identity records: each hashes to its entry; the agents' enrolled keys.
  const agentKeys = new Map<string, string>();
  const revoked = new Map<string, string>();
  for (const e of entries.filter((x) => IDENTITY_KINDS.has(x.kind))) {
    const path = PATHS.record(e.ref);
    const body = text(path);
    if (body === undefined) continue;
    if (sha256Hex(body) !== e.contentHash) {
      failures.push(`${path}: does not hash to ledger entry ${e.seq}'s content hash (altered)`);
      continue;
    }
    const record = safeJson(body) as { kind?: string; agentId?: string; publicKeyPem?: string; at?: string };
    if (record?.kind !== e.kind) {
      failures.push(`${path}: not an identity record of kind ${e.kind}`);
      continue;
    }
    if (typeof record.agentId !== "string") continue;
    if (record.kind === "agent-enrolled" && typeof record.publicKeyPem === "string")
      agentKeys.set(record.agentId, record.publicKeyPem);
    if (record.kind === "agent-revoked" && typeof record.at === "string")
      revoked.set(record.agentId, record.at);
  }

  // 5. Disposals: each hashes to its entry.
  const disposals = new Map<string, { fromSeq: number; toSeq: number; disposedAt: string }>();
  for (const e of entries.filter((x) => x.kind === "disposal")) {
    const path = PATHS.disposal(e.ref);
    const body = text(path);
    if (body === undefined) continue;
    if (sha256Hex(body) !== e.contentHash) {
      failures.push(`${path}: does not hash to ledger entry ${e.seq}'s content hash (altered)`);
      continue;
    }
    const parsed = DisposalRecordSchema.safeParse(safeJson(body));
    if (!parsed.success) failures.push(`${path}: not a disposal record`);
    else disposals.set(parsed.data.id, parsed.data);
  }

  // 6. Reports: content hash, agent signature, disposal claims; findings re-derived from them.
  const jsonl = new DerivedFile(PATHS.findingsJsonl, files.get(PATHS.findingsJsonl));
  const csv = new DerivedFile(PATHS.findingsCsv, files.get(PATHS.findingsCsv));
  csv.push(FINDINGS_CSV_HEADER);
  const selection = { framework: query?.framework, controls: query?.controls ?? [] };
  for (const e of entries) {
    if (e.kind !== "report") continue;
    const label = `report ${e.ref} (ledger entry ${e.seq})`;
    if (e.report === "disposed") {
      const d = e.disposalId ? disposals.get(e.disposalId) : undefined;
      if (!d || e.seq < d.fromSeq || e.seq > d.toSeq)
        failures.push(`${label}: marked disposed, but no disposal record in the bundle covers it`);
      else checked.disposedReports += 1;
      if (files.has(PATHS.report(e.ref))) failures.push(`${label}: marked disposed, yet its body is present`);
      continue;
    }
    if (e.report !== "included") continue;
    const path = PATHS.report(e.ref);
    const body = files.get(path)?.content();
    if (!body) {
      failures.push(`${label}: listed as included but ${path} is missing (removed)`);
      continue;
    }
    checked.reports += 1;
    if (sha256Hex(body) !== e.contentHash) {
      failures.push(`${path}: does not hash to ledger entry ${e.seq}'s content hash (altered)`);
      continue;
    }
    let report: ScanReport;
    try {
      // Validated by the schema, but derived from as parsed: zod rebuilds objects in its own key order.
      report = JSON.parse(body.toString("utf8")) as ScanReport;
      ScanReportSchema.parse(report);
    } catch (error) {
      failures.push(`${path}: not a scan report (${firstLine(error)})`);
      continue;
    }
    if (report.id !== e.ref) failures.push(`${path}: holds report ${report.id}, not ${e.ref}`);
    const key = agentKeys.get(report.agent.id);
    if (!key)
      failures.push(`${label}: the enrolment record of agent ${report.agent.id} is not in the bundle`);
    else if (!verifyReportSignature(report, key))
      failures.push(`${label}: its signature does not verify with agent ${report.agent.id}'s enrolled key`);
    const revokedAt = revoked.get(report.agent.id);
    if (revokedAt && revokedAt < e.appendedAt)
      failures.push(`${label}: appended after agent ${report.agent.id} was revoked (${revokedAt})`);
    const lines = findingLines(report, e.seq, selection);
    jsonl.push(lines.jsonl);
    csv.push(lines.csv);
    checked.findings += lines.count;
  }
  jsonl.finish(failures);
  csv.finish(failures);

  // 7. A checkpoint the auditor kept: the bundle's tree must extend it.
  if (witnessed !== undefined && checkpoint) {
    const opened = openWithAny(witnessed, storeKeys);
    if ("error" in opened) failures.push(`witnessed checkpoint: ${opened.error}`);
    else {
      try {
        const old = parseCheckpoint(opened.text);
        checked.witnessedSize = old.size;
        checkWitnessed(old, checkpoint, files.get(PATHS.consistency)?.content(), failures);
      } catch (error) {
        failures.push(`witnessed checkpoint: ${firstLine(error)}`);
      }
    }
  }
  return done();
}

/**
 * Reads the store's verifier key(s) from what `assay store key` prints: the current key's `name+hexid+base64`
 * line and `earlier key <vkey> …` lines for rotated keys (so bundles signed before a rotation still verify);
 * other lines (the PEM, the raw key) are skipped, as is anything that does not parse as a key.
 */
export function parseStoreKeys(text: string): NoteVerifierKey[] {
  const keys: NoteVerifierKey[] = [];
  for (const line of text.split(/\r?\n/u)) {
    const t = line.trim();
    const candidate = t.startsWith("earlier key ") ? (t.split(/\s+/u)[2] ?? "") : t;
    if (!/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/u.test(candidate)) continue;
    try {
      keys.push(parseNoteVerifierKey(candidate));
    } catch {
      // not a key after all (a PEM line can look like one)
    }
  }
  return keys;
}

function openWithAny(note: string, keys: readonly NoteVerifierKey[]): { text: string } | { error: string } {
  const errors: string[] = [];
  for (const key of keys) {
    try {
      return { text: openNote(note, key) };
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  return {
    error: `its signature does not verify with the store key given (${errors.join("; ") || "no key given"})`,
  };
}

function parseEntries(body: string | undefined, failures: string[]): EntryLine[] {
  if (body === undefined) return [];
  const entries: EntryLine[] = [];
  const lines = body.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const [i, line] of lines.entries()) {
    const parsed = EntryLineSchema.safeParse(safeJson(line));
    if (parsed.success) entries.push(parsed.data);
    else
      failures.push(
        `${PATHS.entries} line ${i + 1}: not a ledger entry (${parsed.error.issues[0]?.message})`,
      );
  }
  return entries;
}

/** The period's entries must be all of [first, last], each linked to its predecessor. */
function checkPeriodRun(
  query: BundleQuery,
  entries: EntryLine[],
  bySeq: Map<number, EntryLine>,
  failures: string[],
): void {
  const period = entries.filter((e) => e.role === "period");
  if (!query.periodSeqs) {
    if (period.length) failures.push(`${PATHS.query}: names no period entries, yet the bundle lists some`);
    return;
  }
  const [first, last] = query.periodSeqs;
  if (query.treeSize < last)
    failures.push(
      `${PATHS.query}: the period reaches entry ${last}, past the checkpoint's ${query.treeSize}`,
    );
  for (let seq = first; seq <= last; seq++) {
    const e = bySeq.get(seq);
    if (e?.role !== "period") {
      failures.push(`ledger entry ${seq}: missing from the period's entries (removed)`);
      continue;
    }
    const previous = bySeq.get(seq - 1);
    if (seq > first && previous && previous.entryHash !== e.prevHash)
      failures.push(`ledger entry ${seq}: does not link to entry ${seq - 1} (previous hash differs)`);
  }
  if (period.length !== last - first + 1)
    failures.push(`${PATHS.entries}: lists period entries outside ${first}..${last}`);
}

function checkWitnessed(
  old: Checkpoint,
  current: Checkpoint,
  consistencyFile: Buffer | undefined,
  failures: string[],
): void {
  if (old.origin !== current.origin) {
    failures.push(`witnessed checkpoint: origin ${old.origin} is not the bundle's log (${current.origin})`);
    return;
  }
  if (old.size > current.size) {
    failures.push(
      `witnessed checkpoint: size ${old.size} is newer than the bundle's checkpoint (${current.size}); build a new bundle`,
    );
    return;
  }
  if (old.size === current.size) {
    if (!equalHashes(old.rootHash, current.rootHash))
      failures.push(
        `consistency: the bundle's tree of ${current.size} entries has another root than the witnessed checkpoint of the same size (the log was rewritten)`,
      );
    return;
  }
  const proofs = consistencyFile
    ? ConsistencySchema.safeParse(safeJson(consistencyFile.toString("utf8")))
    : null;
  const proof = proofs?.success
    ? proofs.data.find((p) => p.fromSize === old.size && p.toSize === current.size)
    : undefined;
  if (!proof) {
    failures.push(
      `consistency: the bundle carries no proof from the witnessed size ${old.size} to ${current.size}; rebuild it with --witnessed`,
    );
    return;
  }
  if (!verifyConsistency(old.size, current.size, proof.proof.map(fromBase64), old.rootHash, current.rootHash))
    failures.push(
      `consistency: the bundle's tree of ${current.size} entries does not extend the witnessed checkpoint of ${old.size} entries (the log was rewritten after it)`,
    );
}

/**
 * Compares a bundle file with the text re-derived from the signed reports without holding either: the derived
 * text is hashed as it comes (SHA-256, and a CRC-32 per line), and equals the file when its SHA-256 and length
 * are the entry's (taken by the strict zip reader). Only when they differ is the file inflated, to name the
 * first line whose CRC-32 differs (a missing file is the manifest check's to report).
 */
class DerivedFile {
  private readonly hash = createHash("sha256");
  private bytes = 0;
  private readonly lineCrcs: number[] = [];
  private lineCrc = 0;
  private lineOpen = false;

  constructor(
    private readonly path: string,
    private readonly actual: ZipEntry | undefined,
  ) {}

  push(expected: string): void {
    if (!this.actual || expected.length === 0) return;
    const bytes = Buffer.from(expected, "utf8");
    this.hash.update(bytes);
    this.bytes += bytes.length;
    let start = 0;
    for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a, start)) {
      this.lineCrcs.push(crc32(bytes.subarray(start, nl + 1), this.lineCrc) >>> 0);
      this.lineCrc = 0;
      this.lineOpen = false;
      start = nl + 1;
    }
    if (start < bytes.length) {
      this.lineCrc = crc32(bytes.subarray(start), this.lineCrc);
      this.lineOpen = true;
    }
  }

  finish(failures: string[]): void {
    if (!this.actual) return;
    if (this.bytes === this.actual.size && this.hash.digest("hex") === this.actual.sha256) return;
    if (this.lineOpen) this.lineCrcs.push(this.lineCrc >>> 0);
    const content = this.actual.content();
    let line = 0;
    for (let start = 0; start < content.length && line < this.lineCrcs.length; line += 1) {
      const nl = content.indexOf(0x0a, start);
      const end = nl === -1 ? content.length : nl + 1;
      if (crc32(content.subarray(start, end)) >>> 0 !== this.lineCrcs[line]) break;
      start = end;
    }
    failures.push(`${this.path}: line ${line + 1} differs from the findings of the signed reports`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

export { ZipError };
