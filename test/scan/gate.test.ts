import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/core/finding.js";
import { scanGate } from "../../src/scan/gate.js";

const finding = (status: Finding["status"], severity: Finding["severity"], excepted = false) => ({
  status,
  severity,
  ...(excepted ? { exception: { owner: "o", reason: "r", expires: "2999-01-01" } } : {}),
});

describe("scan gate (--fail-on)", () => {
  const ran = { device: 1 };

  it("passes when nothing at or above the threshold failed or errored", () => {
    const findings = [
      finding("pass", "critical"),
      finding("fail", "low"),
      finding("error", "medium"),
      finding("skip", "high"),
    ];
    expect(scanGate({ findings, failOn: "high", allowErrors: false, resourcesByCollector: ran })).toEqual({
      exitCode: 0,
      lines: [],
    });
  });

  it("counts checks that could not run, with a line saying so", () => {
    const findings = [finding("error", "high"), finding("error", "critical"), finding("pass", "high")];
    const gate = scanGate({ findings, failOn: "high", allowErrors: false, resourcesByCollector: ran });
    expect(gate.exitCode).toBe(1);
    expect(gate.lines).toEqual([
      "fail-on high: 2 check(s) at or above high could not run (status error); fix the cause or pass --allow-errors to not count them",
    ]);
  });

  it("counts a collector that collected nothing", () => {
    const gate = scanGate({
      findings: [],
      failOn: "low",
      allowErrors: false,
      resourcesByCollector: { aws: 0, device: 1 },
    });
    expect(gate.exitCode).toBe(1);
    expect(gate.lines[0]).toContain("collector aws collected nothing (0 resources)");
  });

  it("--allow-errors opts out of both, but failures still count", () => {
    const errorsOnly = {
      findings: [finding("error", "critical")],
      failOn: "high" as const,
      resourcesByCollector: { aws: 0 },
    };
    expect(scanGate({ ...errorsOnly, allowErrors: true })).toEqual({ exitCode: 0, lines: [] });
    const failing = scanGate({ ...errorsOnly, findings: [finding("fail", "high")], allowErrors: true });
    expect(failing).toEqual({ exitCode: 1, lines: ["fail-on high: 1 check(s) at or above high failed"] });
  });

  it("ignores excepted failures, and everything with --fail-on none", () => {
    const findings = [finding("fail", "critical", true)];
    expect(
      scanGate({ findings, failOn: "info", allowErrors: false, resourcesByCollector: ran }).exitCode,
    ).toBe(0);
    const all = [finding("fail", "critical"), finding("error", "critical")];
    expect(
      scanGate({ findings: all, failOn: "none", allowErrors: false, resourcesByCollector: { aws: 0 } })
        .exitCode,
    ).toBe(0);
  });
});
