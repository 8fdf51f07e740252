import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("assay scan input errors", () => {
  it("rejects an unknown --fail-on value with exit 2", () => {
    const result = runCli(["scan", "--fail-on", "urgent"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--fail-on must be one of info, low, medium, high, critical, none (got "urgent")',
    );
  });

  it("names the line and field of a bad config file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "assay-config-"));
    const file = join(dir, "assay.yaml");
    await writeFile(file, "scan:\n  collectors: [device]\n  failOn: sometimes\n  colour: blue\n");
    const result = runCli(["scan", "--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:3:11: scan.failOn:`);
    expect(result.stderr).toContain(`${file}:4:11: scan: unknown field "colour"`);
  });

  it("rejects an unknown collector naming the known ones", () => {
    const result = runCli(["scan", "--collectors", "mainframe"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown collector "mainframe"; known: device/);
  });
});
