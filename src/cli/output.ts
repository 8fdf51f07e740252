import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { finished } from "node:stream/promises";
import { AssayError } from "../core/errors.js";
import type { RenderOptions } from "../formats/types.js";

const SARIF_RESULTS = ["fail", "fail-error", "all"] as const;

/** The format-specific flags shared by `scan` and `report render`, checked once. */
export function formatFlags(options: {
  format: string;
  excel?: boolean;
  sarifResults?: string;
}): Pick<RenderOptions, "excel" | "sarifResults"> {
  if (options.excel && options.format !== "csv")
    throw new AssayError("USAGE", `--excel applies to -f csv only (got -f ${options.format})`);
  const which = options.sarifResults;
  if (which !== undefined && !(SARIF_RESULTS as readonly string[]).includes(which))
    throw new AssayError(
      "USAGE",
      `--sarif-results must be one of ${SARIF_RESULTS.join(", ")} (got "${which}")`,
    );
  return {
    ...(options.excel ? { excel: true } : {}),
    ...(which ? { sarifResults: which as (typeof SARIF_RESULTS)[number] } : {}),
  };
}

/** Stream chunks to a file (its folder created) or to standard output, honouring backpressure. */
export async function writeChunks(
  chunks: AsyncIterable<string> | Iterable<string>,
  path: string | undefined,
): Promise<void> {
  if (path) await mkdir(dirname(path), { recursive: true });
  const out: NodeJS.WritableStream = path ? createWriteStream(path) : process.stdout;
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  if (path) {
    out.end();
    await finished(out);
  }
}
