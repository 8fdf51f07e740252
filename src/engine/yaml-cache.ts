import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { BUILTIN_RULES_DIR, PACKAGE_ROOT } from "./paths.js";

/**
 * Parsing YAML with positions is most of the cost of loading ~100 rule files (≈3 ms each on a cold start),
 * and a device scan pays it every run. The build therefore stores the parsed value of every shipped rule,
 * policy and framework file, keyed by the SHA-1 of its text. Loading looks a file's text up here and parses
 * only on a miss (an edited or custom rule file); positions are parsed on demand, only to report a problem.
 * Keyed by content, a stale cache can only miss, never give a wrong value.
 */
export const YAML_CACHE_FILE = join(PACKAGE_ROOT, "dist", "yaml-cache.json");

let cache: Map<string, unknown> | undefined;

export function yamlCacheKey(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** The precompiled value of this text, or `undefined` when it is not in the cache. */
export function precompiledYaml(text: string): { value: unknown } | undefined {
  if (!cache) {
    cache = new Map();
    try {
      const entries = JSON.parse(readFileSync(YAML_CACHE_FILE, "utf8")) as Record<string, unknown>;
      for (const [key, value] of Object.entries(entries)) cache.set(key, value);
    } catch {
      // No cache (running from source, or a bundle without it): every file is parsed.
    }
  }
  const key = yamlCacheKey(text);
  return cache.has(key) ? { value: cache.get(key) } : undefined;
}

/** Build step: parse every shipped rule/policy/framework file and write the cache. Files with errors are left out. */
export function writeYamlCache(rulesDir = BUILTIN_RULES_DIR, out = YAML_CACHE_FILE): number {
  const entries: Record<string, unknown> = {};
  const files = readdirSync(rulesDir, { recursive: true, withFileTypes: true }).filter(
    (e) => e.isFile() && /\.ya?ml$/.test(e.name) && !/\.test\.ya?ml$/.test(e.name),
  );
  for (const entry of files) {
    const text = readFileSync(join(entry.parentPath, entry.name), "utf8");
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length) continue;
    const value = doc.toJS();
    // Only values that survive JSON unchanged can be served from a JSON cache.
    if (JSON.stringify(JSON.parse(JSON.stringify(value))) !== JSON.stringify(value)) continue;
    entries[yamlCacheKey(text)] = value;
  }
  writeFileSync(out, JSON.stringify(entries));
  return Object.keys(entries).length;
}
