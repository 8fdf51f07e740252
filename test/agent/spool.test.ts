import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Spool } from "../../src/agent/spool.js";
import { prepareStateDir, statePaths } from "../../src/agent/state.js";
import { fileLogger, sampleReport, tempDir } from "./helpers.js";

async function newSpool(limits = { maxBytes: 1024 * 1024, maxReports: 100 }) {
  const paths = statePaths(join(await tempDir(), "state"));
  await prepareStateDir(paths);
  const logger = await fileLogger();
  return { paths, logger, spool: new Spool(paths.spool, paths.quarantine, limits, logger.log) };
}

describe("offline spool", () => {
  it("keeps reports owner-only in a 0700 folder and lists them oldest first", async () => {
    const { spool, paths } = await newSpool();
    const reports = [sampleReport(), sampleReport(), sampleReport()];
    for (const r of [reports[2]!, reports[0]!, reports[1]!]) await spool.put(r);
    expect(await spool.ids()).toEqual(reports.map((r) => r.id));
    expect((await stat(paths.dir)).mode & 0o777).toBe(0o700);
    expect((await stat(paths.spool)).mode & 0o777).toBe(0o700);
    expect((await stat(join(paths.spool, `${reports[0]!.id}.json`))).mode & 0o777).toBe(0o600);
    // No temporary file is left behind by the atomic write.
    expect((await readdir(paths.spool)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    const read = await spool.read(reports[0]!.id);
    expect(read?.report.id).toBe(reports[0]!.id);
    await spool.remove(reports[0]!.id);
    expect(await spool.ids()).toEqual([reports[1]!.id, reports[2]!.id]);
  });

  it("refuses a new report loudly when full and keeps every older one", async () => {
    const { spool } = await newSpool({ maxBytes: 1024 * 1024, maxReports: 2 });
    const a = sampleReport();
    const b = sampleReport();
    await spool.put(a);
    await spool.put(b);
    await expect(spool.put(sampleReport())).rejects.toMatchObject({
      code: "SPOOL_FULL",
      message: expect.stringMatching(/NOT kept/),
    });
    expect(await spool.ids()).toEqual([a.id, b.id]);
    const bySize = await newSpool({ maxBytes: 800, maxReports: 100 });
    await bySize.spool.put(a);
    await expect(bySize.spool.put(b)).rejects.toMatchObject({ code: "SPOOL_FULL" });
  });

  it("quarantines a corrupt file with a log line instead of failing", async () => {
    const { spool, paths, logger } = await newSpool();
    const good = sampleReport();
    await spool.put(good);
    const bad = sampleReport();
    await writeFile(join(paths.spool, `${bad.id}.json`), '{"schemaVersion":1,"id":"trunc');
    const wrong = sampleReport();
    await writeFile(
      join(paths.spool, `${wrong.id}.json`),
      JSON.stringify({ ...sampleReport(), id: good.id }),
    );
    await writeFile(join(paths.spool, "notes.txt"), "stray");
    expect(await spool.ids()).toEqual([good.id, bad.id, wrong.id]);
    expect(await spool.read(bad.id)).toBeUndefined();
    expect(await spool.read(wrong.id)).toBeUndefined();
    expect(await spool.ids()).toEqual([good.id]);
    const quarantined = await readdir(paths.quarantine);
    expect(quarantined.some((n) => n.startsWith(`${bad.id}.json.`))).toBe(true);
    expect(quarantined.some((n) => n.startsWith(`${wrong.id}.json.`))).toBe(true);
    expect(quarantined.some((n) => n.startsWith("notes.txt."))).toBe(true);
    const lines = (await logger.lines()).filter((l) => l.msg === "spool file quarantined");
    expect(lines.map((l) => l.file)).toEqual(
      expect.arrayContaining([`${bad.id}.json`, `${wrong.id}.json`, "notes.txt"]),
    );
    expect(String(lines.find((l) => l.file === `${bad.id}.json`)?.reason)).toMatch(/not valid JSON/);
  });

  it("removes unfinished writes a crash left behind", async () => {
    const { spool, paths } = await newSpool();
    await writeFile(join(paths.spool, `.${sampleReport().id}.json.abc123.tmp`), "{");
    await spool.recover();
    expect(await readdir(paths.spool)).toEqual([]);
  });
});
