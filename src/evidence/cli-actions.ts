import { createWriteStream } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AssayError } from "../core/errors.js";
import { parseCheckpoint } from "../core/signed-note.js";
import { parseStoreKeys, verifyBundle } from "./verify.js";

export interface VerifyCommandOptions {
  storeKey: string;
  checkpoint?: string;
  json?: boolean;
}

export interface BundleCommandOptions {
  store?: string;
  framework?: string;
  control: string[];
  from: string;
  to: string;
  witnessed: string[];
  out: string;
}

/** `assay evidence verify`: 0 when everything checks, 1 with every failure named, 2 for bad input files. */
export async function verifyCommand(bundlePath: string, options: VerifyCommandOptions): Promise<number> {
  const bundle = await readInput(bundlePath, "bundle");
  const keyText = (await readInput(options.storeKey, "--store-key")).toString("utf8");
  const keys = parseStoreKeys(keyText);
  if (keys.length === 0)
    throw new AssayError(
      "USAGE",
      `${options.storeKey}: no store verifier key (a line name+hexid+base64, as \`assay store key\` prints)`,
    );
  const witnessed = options.checkpoint
    ? (await readInput(options.checkpoint, "--checkpoint")).toString("utf8")
    : undefined;
  const result = await verifyBundle(bundle, keys, witnessed);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const c = result.checked;
    if (result.ok) {
      process.stdout.write(
        `OK ${bundlePath}: ${c.entries} ledger entries proven in the signed tree of ${c.treeSize} entries, ${c.reports} signed reports, ${c.findings} findings` +
          (c.disposedReports ? `, ${c.disposedReports} reports disposed of by retention (recorded)` : "") +
          (c.witnessedSize !== null ? `; extends your checkpoint of ${c.witnessedSize} entries` : "") +
          "\n",
      );
    } else {
      process.stdout.write(`FAILED ${bundlePath}: ${result.failures.length} problem(s)\n`);
      for (const f of result.failures) process.stdout.write(`  - ${f}\n`);
    }
  }
  return result.ok ? 0 : 1;
}

/**
 * `assay evidence bundle`: asks the store for a bundle (auditor token from ASSAY_TOKEN) and streams it to
 * `--out` through a temporary file, so a broken download never leaves a partial bundle under the real name.
 */
export async function bundleCommand(options: BundleCommandOptions): Promise<number> {
  const token = process.env.ASSAY_TOKEN;
  if (!token)
    throw new AssayError(
      "USAGE",
      "set ASSAY_TOKEN to an auditor token (assay store token create --role auditor)",
    );
  if (!options.store) throw new AssayError("USAGE", "--store <url> (or ASSAY_STORE_URL) is required");
  let url: URL;
  try {
    url = new URL("/v1/evidence/bundle", options.store);
  } catch {
    throw new AssayError("USAGE", `--store: ${JSON.stringify(options.store)} is not a URL`);
  }
  if (options.framework) url.searchParams.set("framework", options.framework);
  if (options.control.length) url.searchParams.set("controls", options.control.join(","));
  url.searchParams.set("from", options.from);
  url.searchParams.set("to", options.to);
  const sizes: number[] = [];
  for (const file of options.witnessed) {
    const note = (await readInput(file, "--witnessed")).toString("utf8");
    try {
      sizes.push(parseCheckpoint(note.slice(0, note.indexOf("\n\n") + 1)).size);
    } catch (error) {
      throw new AssayError("USAGE", `${file}: not a checkpoint (${(error as Error).message})`);
    }
  }
  if (sizes.length) url.searchParams.set("witnessed", sizes.join(","));
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new AssayError("STORE_UNREACHABLE", `could not reach ${url.origin}: ${(error as Error).message}`);
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => "");
    let message = text.slice(0, 500);
    try {
      const body = JSON.parse(text) as { error?: { message?: string; field?: string } };
      if (body.error?.message)
        message = `${body.error.message}${body.error.field ? ` (${body.error.field})` : ""}`;
    } catch {}
    throw new AssayError("STORE_REFUSED", `the store answered ${res.status}: ${message}`);
  }
  const partial = `${options.out}.partial`;
  try {
    await pipeline(
      Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
      createWriteStream(partial),
    );
    await rename(partial, options.out);
  } catch (error) {
    await rm(partial, { force: true });
    throw new AssayError(
      "BUNDLE_DOWNLOAD_FAILED",
      `the download of the bundle broke off: ${(error as Error).message}`,
    );
  }
  process.stdout.write(`wrote ${options.out}\n`);
  return 0;
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new AssayError(
      "USAGE",
      `${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}
