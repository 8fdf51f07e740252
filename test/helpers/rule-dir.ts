import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A throwaway rules folder with the given files (path relative to the folder → YAML text). */
export async function makeRuleDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "assay-rules-"));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}
