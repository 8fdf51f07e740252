import { z } from "zod";

/**
 * The evidence bundle: one zip an auditor verifies offline (`assay evidence verify`). Everything that can be
 * proven is proven against one signed checkpoint of the store's Merkle tree (leaf = the RFC 6962 leaf hash of the 32
 * bytes of a ledger entry's hash, leaf index = seq − 1); everything derived (findings CSV / JSON lines) is re-derived by the
 * verifier from the signed reports; the OSCAL documents and the summary are presentations covered only by the
 * manifest. Paths are fixed so the verifier needs no configuration.
 */
export const BUNDLE_FORMAT = "assay-evidence-bundle/1";

export const PATHS = {
  manifest: "manifest.json",
  summary: "summary.txt",
  query: "query.json",
  checkpoint: "checkpoint.txt",
  entries: "ledger/entries.jsonl",
  consistency: "ledger/consistency.json",
  findingsJsonl: "findings/findings.jsonl",
  findingsCsv: "findings/findings.csv",
  assessmentResults: "oscal/assessment-results.json",
  assessmentPlan: "oscal/assessment-plan.json",
  report: (id: string) => `reports/${id}.json`,
  record: (id: string) => `records/${id}.json`,
  disposal: (id: string) => `disposals/${id}.json`,
} as const;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/u, "64 lowercase hex characters");
const Base64Hash = z.string().regex(/^[A-Za-z0-9+/]{43}=$/u, "base64 of 32 bytes");

export const ManifestSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  files: z.array(
    z.strictObject({ path: z.string().min(1), sha256: Hex64, bytes: z.number().int().nonnegative() }),
  ),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const BundleQuerySchema = z.strictObject({
  framework: z.string().min(1).optional(),
  controls: z.array(z.string().min(1)),
  from: z.string().min(1),
  to: z.string().min(1),
  builtAt: z.string().min(1),
  /** The checkpoint's tree size: every entry in the bundle is proven in the tree of this size. */
  treeSize: z.number().int().nonnegative(),
  /** The ledger entries appended within the period: [firstSeq, lastSeq], all in the bundle (none: null). */
  periodSeqs: z.tuple([z.number().int().positive(), z.number().int().positive()]).nullable(),
});
export type BundleQuery = z.infer<typeof BundleQuerySchema>;

/**
 * Why an entry is in the bundle: `period` (appended within the period; the whole run of them is present),
 * `identity` (an enrolment or revocation of an agent whose report is included), `disposal` (a retention
 * disposal of reports of the period).
 */
export const EntryRole = z.enum(["period", "identity", "disposal"]);

export const EntryLineSchema = z.strictObject({
  role: EntryRole,
  seq: z.number().int().positive(),
  kind: z.string().min(1),
  ref: z.string().min(1),
  contentHash: Hex64,
  prevHash: Hex64,
  appendedAt: z.string().min(1),
  entryHash: Hex64,
  /** The RFC 9162 audit path of leaf seq − 1 in the checkpoint's tree. */
  inclusionProof: z.array(Base64Hash),
  /**
   * For a report entry: `included` (its file is under reports/), `disposed` (its body was disposed of by
   * retention; the disposal is in the bundle), or `not-relevant` (it names none of the selected controls).
   */
  report: z.enum(["included", "disposed", "not-relevant"]).optional(),
  disposalId: z.string().min(1).optional(),
});
export type EntryLine = z.infer<typeof EntryLineSchema>;

export const ConsistencySchema = z.array(
  z.strictObject({
    fromSize: z.number().int().nonnegative(),
    toSize: z.number().int().nonnegative(),
    proof: z.array(Base64Hash),
  }),
);
export type ConsistencyProofs = z.infer<typeof ConsistencySchema>;

export const DisposalRecordSchema = z.strictObject({
  id: z.string().min(1),
  disposedAt: z.string(),
  cutoff: z.string(),
  fromSeq: z.number().int(),
  toSeq: z.number().int(),
  reports: z.number().int(),
  findings: z.number().int(),
});

export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function toBase64(hash: Uint8Array): string {
  return Buffer.from(hash).toString("base64");
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}
