import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeYamlCache, yamlCacheKey } from "../../src/engine/yaml-cache.js";
import { readYamlSource } from "../../src/engine/yaml-source.js";
import { makeRuleDir } from "../helpers/rule-dir.js";

describe("precompiled YAML cache", () => {
  it("stores parsed values by content hash, leaving out test cases and broken files", async () => {
    const dir = await makeRuleDir({
      "x/A-1.yaml": "id: A-1\nlist: [1, two]\n",
      "x/A-1.test.yaml": "rule: A-1\n",
      "x/BROKEN-1.yaml": "id: [unclosed\n",
    });
    const out = join(await mkdtemp(join(tmpdir(), "assay-cache-")), "cache.json");
    expect(writeYamlCache(dir, out)).toBe(1);
    const cache = JSON.parse(await readFile(out, "utf8"));
    expect(cache[yamlCacheKey("id: A-1\nlist: [1, two]\n")]).toEqual({ id: "A-1", list: [1, "two"] });
  });

  it("gives the same value and locations whether or not a file is served from the cache", async () => {
    // Shipped rule files are in the build's cache; an edited copy is not, and must parse identically.
    const dir = await makeRuleDir({});
    const shipped = join(process.cwd(), "rules", "policies.yaml");
    const text = await readFile(shipped, "utf8");
    const edited = join(dir, "policies.yaml");
    await writeFile(edited, `${text}\n`);
    const [cached, parsed] = await Promise.all([readYamlSource(shipped), readYamlSource(edited)]);
    expect(cached.value).toEqual(parsed.value);
    expect(cached.locate(["policies", "password", "quote"]).line).toBe(
      parsed.locate(["policies", "password", "quote"]).line,
    );
  });
});
