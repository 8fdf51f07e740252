import type { ScanReport } from "../core/report.js";
import { chunked } from "./chunks.js";
import type { Renderer } from "./types.js";

/** Arrays that grow with the scan; everything else in a report is small. */
const STREAMED = new Set(["resources", "findings"]);

/**
 * The report as pretty-printed JSON, byte for byte what `JSON.stringify(report, null, 2)` prints, but written
 * one resource and one finding at a time so a 100,000-finding report is never one string in memory.
 */
function* jsonPieces(report: ScanReport): Generator<string> {
  // JSON.stringify drops members whose value is undefined (an unsigned report's `signature`).
  const entries = Object.entries(report).filter(([, value]) => value !== undefined);
  yield "{\n";
  for (const [i, [key, value]] of entries.entries()) {
    const comma = i < entries.length - 1 ? "," : "";
    if (STREAMED.has(key) && Array.isArray(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      for (const [k, item] of value.entries())
        yield `    ${indent(JSON.stringify(item, null, 2), "    ")}${k < value.length - 1 ? "," : ""}\n`;
      yield `  ]${comma}\n`;
    } else {
      yield `  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), "  ")}${comma}\n`;
    }
  }
  yield "}\n";
}

/** JSON strings escape their line breaks, so every raw newline in stringify output is structural. */
const indent = (json: string, by: string) => json.replaceAll("\n", `\n${by}`);

export const jsonRenderer: Renderer = {
  name: "json",
  extension: "json",
  mediaType: "application/json",
  render: (report) => chunked(jsonPieces(report)),
};
