import { createHash } from "node:crypto";

/** Assay's namespace for name-based UUIDs (RFC 4122 version 5), fixed so the same input always maps alike. */
const ASSAY_NAMESPACE = Buffer.from("6f1d3c1e8a7b4c52a1e3f0d9b2c4a6e8", "hex");

/**
 * A version-5 UUID for a name. Formats that need UUIDs (OSCAL) get the same one for the same report, rule and
 * resource every time, so a re-render is identical and documents can be diffed.
 */
export function uuidFor(name: string): string {
  const hash = createHash("sha1").update(ASSAY_NAMESPACE).update(name).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The uuid of the OSCAL observation of one finding (a rule on a resource in a report): the scan's OSCAL, the
 * evidence bundle's and the store's standalone export all name it alike, so the store can annotate it.
 */
export function observationUuid(reportId: string, ruleId: string, resourceUid: string): string {
  return uuidFor(`observation:${reportId}:${ruleId}:${resourceUid}`);
}
