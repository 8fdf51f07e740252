import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Host } from "./probe.js";

/**
 * Results that are a pure function of files on disk (an apt upgrade simulation depends only on the dpkg
 * status, the package lists and apt's configuration) are kept with a fingerprint of those files' names and
 * modification times. While none of them changes, the result is reused instead of re-running a solver that
 * takes seconds; any change (apt update, an install, a new source) recomputes it. This is the same idea as
 * update-notifier's stamp files. Files are looked at through the probe's Host, so tests fingerprint recordings.
 */
export async function fingerprintFiles(
  host: Pick<Host, "list" | "mtime">,
  paths: readonly string[],
  directories: readonly string[] = [],
): Promise<string> {
  const listed = await Promise.all(
    directories.map(async (d) => (await host.list(d)).map((name) => join(d, name))),
  );
  const all = [...paths, ...listed.flat()].sort();
  const parts = await Promise.all(all.map(async (p) => `${p}\t${(await host.mtime(p)) ?? "-"}`));
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}

const CacheEntrySchema = z.strictObject({
  fingerprint: z.string(),
  computedAt: z.string(),
  value: z.unknown(),
});

export interface Cached<T> {
  value: T;
  /** When the value was computed; differs from now when it was reused. */
  computedAt: string;
  reused: boolean;
}

/** Reuse `compute()`'s value while `fingerprint` is unchanged. Cache problems never fail the probe. */
export async function cachedByFingerprint<T>(
  cacheDir: string | undefined,
  name: string,
  fingerprint: string,
  now: Date,
  schema: z.ZodType<T>,
  compute: () => Promise<T | undefined>,
): Promise<Cached<T> | undefined> {
  const file = cacheDir ? join(cacheDir, `${name}.json`) : undefined;
  if (file) {
    try {
      const entry = CacheEntrySchema.parse(JSON.parse(await readFile(file, "utf8")));
      const value = schema.safeParse(entry.value);
      if (entry.fingerprint === fingerprint && value.success)
        return { value: value.data, computedAt: entry.computedAt, reused: true };
    } catch {
      // absent or unreadable: compute afresh
    }
  }
  const value = await compute();
  if (value === undefined) return undefined;
  const computedAt = now.toISOString();
  if (file && cacheDir) {
    try {
      await mkdir(cacheDir, { recursive: true, mode: 0o700 });
      await writeFile(file, JSON.stringify({ fingerprint, computedAt, value }), { mode: 0o600 });
    } catch {
      // a read-only home or cache folder only costs speed
    }
  }
  return { value, computedAt, reused: false };
}
