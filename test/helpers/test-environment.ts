import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What the test run actually exercised (a database engine, a browser), reported by the test files that used
 * them and summed up in one line when the run ends (test/global-setup.ts). Each use drops a marker file in a
 * folder the global setup creates, so the summary says what ran, not what was configured.
 */
export function recordExercised(what: string): void {
  const dir = process.env.ASSAY_TEST_EXERCISED_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, what.replace(/[^A-Za-z0-9.-]+/g, "_")), what);
}
