import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/core/finding.js";
import { type ScanReport, ScanReportSchema } from "../../src/core/report.js";
import { summarize } from "../../src/engine/summary.js";
import { computeCoverage } from "../../src/formats/coverage-model.js";
import { diffReports } from "../../src/formats/diff.js";

const finding = (ruleId: string, uid: string, status: Finding["status"], excepted = false): Finding => ({
  ruleId,
  resourceUid: uid,
  resourceType: "device",
  status,
  severity: "high",
  message: `${ruleId} ${status}`,
  evidence: {},
  controls: ["fw:C1"],
  policy: "encryption",
  ...(excepted ? { exception: { owner: "o@example.com", reason: "accepted", expires: "2099-01-01" } } : {}),
});

function report(findings: Finding[], rules = ["R-1", "R-2", "R-3", "R-4", "R-5"]): ScanReport {
  return ScanReportSchema.parse({
    schemaVersion: 1,
    id: "01JABCDEFGHJKMNPQRSTVWXYZ0",
    agent: { id: "local", hostname: "h", version: "0.1.0" },
    scope: { collectors: ["device"], ruleDirs: [] },
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    resources: [],
    rules: rules.map((id) => ({
      id,
      title: `${id} title`,
      severity: "high",
      resourceTypes: ["device"],
      policy: "encryption",
      policyName: "Encryption",
      remediation: "fix it",
      controls: ["fw:C1"],
    })),
    findings,
    collectorErrors: [],
    summary: summarize(findings, 0, rules.length, 0),
  });
}

describe("control coverage", () => {
  const framework = {
    framework: "fw",
    title: "A framework",
    controls: [
      { id: "FAILING", title: "t", rules: ["R-1", "R-2"] },
      { id: "ERROR", title: "t", rules: ["R-3"] },
      { id: "EXCEPTED", title: "t", rules: ["R-4"] },
      { id: "SKIPPED-ONLY", title: "t", rules: ["R-5"] },
      { id: "NOT-RUN", title: "t", rules: ["R-9"] },
      { id: "MANUAL", title: "t", rules: [] },
      { id: "ALL-PASS", title: "t", rules: ["R-2", "R-6"] },
      { id: "ONE-OF-TWO-RAN", title: "t", rules: ["R-2", "R-9"] },
      { id: "PASS-AND-SKIPPED-ONLY", title: "t", rules: ["R-2", "R-5"] },
      { id: "PASS-AND-NOTHING-IN-SCOPE", title: "t", rules: ["R-2", "R-7"] },
      { id: "PASS-AND-ERROR", title: "t", rules: ["R-2", "R-3"] },
      { id: "PASS-AND-EXCEPTED", title: "t", rules: ["R-2", "R-8"] },
    ],
  };
  const r = report(
    [
      finding("R-1", "a", "fail"),
      finding("R-2", "a", "pass"),
      finding("R-2", "b", "skip"),
      finding("R-3", "a", "error"),
      finding("R-3", "b", "pass"),
      finding("R-4", "a", "fail", true),
      finding("R-4", "b", "pass"),
      finding("R-5", "a", "skip"),
      finding("R-6", "a", "pass"),
      finding("R-8", "a", "fail", true),
    ],
    ["R-1", "R-2", "R-3", "R-4", "R-5", "R-6", "R-7", "R-8"],
  );

  it("is satisfied only when every mapped rule ran and passed; otherwise failing, excepted, partial, not assessed or manual", () => {
    const [coverage] = computeCoverage(r, [framework]);
    expect(Object.fromEntries(coverage?.controls.map((c) => [c.id, c.status]) ?? [])).toEqual({
      FAILING: "failing",
      ERROR: "not-assessed",
      EXCEPTED: "excepted",
      "SKIPPED-ONLY": "not-assessed",
      "NOT-RUN": "not-assessed",
      MANUAL: "manual",
      "ALL-PASS": "satisfied",
      "ONE-OF-TWO-RAN": "partial",
      "PASS-AND-SKIPPED-ONLY": "partial",
      "PASS-AND-NOTHING-IN-SCOPE": "partial",
      "PASS-AND-ERROR": "partial",
      "PASS-AND-EXCEPTED": "excepted",
    });
    expect(coverage?.complete).toBe(true);
    expect(coverage?.totals).toEqual({
      satisfied: 1,
      failing: 1,
      excepted: 2,
      partial: 4,
      "not-assessed": 3,
      manual: 1,
    });
    expect(coverage?.controls[0]?.rules.map((x) => x.status)).toEqual(["failing", "passing"]);
    const ruleStatus = (control: string) => coverage?.controls.find((c) => c.id === control)?.rules[1];
    expect(ruleStatus("ONE-OF-TWO-RAN")).toMatchObject({
      id: "R-9",
      evaluated: false,
      status: "not-evaluated",
    });
    expect(ruleStatus("PASS-AND-NOTHING-IN-SCOPE")).toMatchObject({
      evaluated: true,
      status: "not-applicable",
    });
  });

  it("lists evidence by hand with a control, and rules that all pass do not satisfy a control that also needs it", () => {
    const [coverage] = computeCoverage(r, [
      {
        framework: "seed",
        title: "Seed statements",
        controls: [
          { id: "PARTLY-AUTOMATED", title: "t", rules: ["R-2", "R-6"], manual: ["access review records"] },
          { id: "BY-HAND", title: "t", rules: [], manual: ["pen-test report"] },
        ],
      },
    ]);
    expect(coverage?.controls.map((c) => [c.id, c.status, c.manual])).toEqual([
      ["PARTLY-AUTOMATED", "partial", ["access review records"]],
      ["BY-HAND", "manual", ["pen-test report"]],
    ]);
  });

  it("without catalogues, rebuilds frameworks from the controls the report's rules name, marked incomplete", () => {
    const [coverage] = computeCoverage(r);
    expect(coverage?.framework).toBe("fw");
    expect(coverage?.complete).toBe(false);
    expect(coverage?.controls.map((c) => c.id)).toEqual(["C1"]);
    expect(coverage?.controls[0]?.status).toBe("failing");
  });
});

describe("changes since a baseline", () => {
  it("classifies each (rule, resource) as regressed, resolved, new, gone or otherwise changed", () => {
    const before = report([
      finding("R-1", "a", "pass"),
      finding("R-1", "b", "fail"),
      finding("R-1", "c", "fail"),
      finding("R-1", "d", "pass"),
      finding("R-1", "gone", "pass"),
      finding("R-1", "same", "fail"),
      finding("R-1", "expired", "fail", true),
    ]);
    const after = report([
      finding("R-1", "a", "fail"),
      finding("R-1", "b", "pass"),
      finding("R-1", "c", "fail", true),
      finding("R-1", "d", "error"),
      finding("R-1", "new", "fail"),
      finding("R-1", "same", "fail"),
      finding("R-1", "expired", "fail"),
    ]);
    const diff = diffReports(after, before);
    const uids = (kind: keyof typeof diff) => diff[kind].map((c) => c.resourceUid).sort();
    expect(uids("regressed")).toEqual(["a", "expired"]);
    expect(uids("resolved")).toEqual(["b"]);
    expect(uids("new")).toEqual(["new"]);
    expect(uids("gone")).toEqual(["gone"]);
    expect(uids("changed")).toEqual(["c", "d"]);
    expect(diff.changed.find((c) => c.resourceUid === "c")).toMatchObject({
      before: "fail",
      after: "excepted",
    });
  });
});
