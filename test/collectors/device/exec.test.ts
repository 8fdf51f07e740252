import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  describeFailure,
  readFileHead,
  readTextFile,
  runCommand,
} from "../../../src/collectors/device/exec.js";

/** The real helper against real programs: no shell, timeouts, missing tools as values. */
describe.runIf(process.platform !== "win32")("runCommand", () => {
  it("passes arguments literally, without a shell", async () => {
    const r = await runCommand("echo", ["$HOME", "; rm -rf /", "`id`"]);
    expect(r).toMatchObject({ ok: true, code: 0, missing: false, timedOut: false });
    expect(r.stdout).toBe("$HOME ; rm -rf / `id`\n");
  });

  it("runs in the C locale", async () => {
    const r = await runCommand("sh", ["-c", 'printf "%s" "$LC_ALL"']);
    expect(r.stdout).toBe("C");
  });

  it("a missing program is `missing`, not a throw", async () => {
    const r = await runCommand("assay-no-such-tool", ["--version"]);
    expect(r).toMatchObject({ ok: false, missing: true, code: null });
    expect(describeFailure(r)).toBe("assay-no-such-tool --version: not installed");
  });

  it("a non-zero exit keeps its code and output", async () => {
    const r = await runCommand("sh", ["-c", "echo out; echo err >&2; exit 100"]);
    expect(r).toMatchObject({ ok: false, code: 100, stdout: "out\n", stderr: "err\n", missing: false });
  });

  it("kills a command that outlives its timeout", async () => {
    const started = Date.now();
    const r = await runCommand("sleep", ["10"], { timeoutMs: 200 });
    expect(r).toMatchObject({ ok: false, timedOut: true });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(describeFailure(r)).toBe("sleep 10: timed out");
  });

  it("stops when the scan is aborted", async () => {
    const controller = new AbortController();
    const pending = runCommand("sleep", ["10"], { signal: controller.signal });
    controller.abort();
    expect((await pending).ok).toBe(false);
  });
});

describe("file helpers", () => {
  const dir = mkdtempSync(join(tmpdir(), "assay-exec-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads text, reports absence, and reads only the head of large files", async () => {
    const file = join(dir, "db.cvd");
    writeFileSync(file, `ClamAV-VDB:header${"x".repeat(2048)}`);
    expect(await readFileHead(file, 17)).toBe("ClamAV-VDB:header");
    expect(await readTextFile(join(dir, "absent"))).toMatchObject({ ok: false, missing: true });
    expect(await readTextFile(file, 100)).toMatchObject({
      ok: false,
      missing: false,
      reason: expect.stringContaining("larger than"),
    });
  });
});
