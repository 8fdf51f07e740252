import { beforeAll, describe, expect, it } from "vitest";
import { resolveProfile } from "../../src/core/profile.js";
import type { ScanReport } from "../../src/core/report.js";
import { seedPolicyFramework } from "../../src/engine/catalogue.js";
import { loadRules } from "../../src/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../src/engine/paths.js";
import { summarize } from "../../src/engine/summary.js";
import { renderToString } from "../../src/formats/chunks.js";
import { COVERAGE_COLUMNS } from "../../src/formats/coverage.js";
import { CSV_COLUMNS } from "../../src/formats/csv.js";
import { messageHtml } from "../../src/formats/html.js";
import { formatNames, loadRenderer } from "../../src/formats/registry.js";
import type { RenderOptions } from "../../src/formats/types.js";
import { parseCsv } from "./csv-parse.js";
import { githubSarifProblems } from "./github-sarif.js";
import { buildRealScan, type RealScan } from "./real-scan.js";
import {
  ocsfValidator,
  oscalValidator,
  sarifOasisValidator,
  sarifValidator,
  validateJunitXml,
} from "./validators.js";

let scan: RealScan;
const out: Record<string, string> = {};

async function render(format: string, report: ScanReport, options?: RenderOptions): Promise<string> {
  const renderer = await loadRenderer(format);
  if (!renderer) throw new Error(`no renderer ${format}`);
  return renderToString(renderer.render(report, options));
}

beforeAll(async () => {
  scan = await buildRealScan();
  const options = { frameworks: scan.frameworks, baseline: scan.baseline };
  for (const format of formatNames()) out[format] = await render(format, scan.report, options);
});

describe("the scan the formats are rendered from", () => {
  it("comes from the real device scan plus synthetic devices, with every outcome present", () => {
    const r = scan.report;
    expect(r.scope.collectors).toEqual(["device"]);
    expect(r.resources.some((x) => x.tags.fleet !== "synthetic")).toBe(true);
    const statuses = new Set(r.findings.map((f) => (f.exception ? "excepted" : f.status)));
    expect([...statuses].sort()).toEqual(["error", "excepted", "fail", "pass", "skip"]);
    expect(r.collectorErrors).toHaveLength(1);
    expect(r.findings.every((f) => f.controls.length > 0)).toBe(true);
  });
});

describe("OCSF 1.8.0 Compliance Finding (class 2003)", () => {
  it("is a JSON array of events, each valid against the schema generated from the official metaschema", () => {
    const validate = ocsfValidator();
    const events = JSON.parse(out.ocsf ?? "") as Record<string, unknown>[];
    expect(events).toHaveLength(scan.report.findings.length);
    for (const event of events) expect(validate(event), JSON.stringify(event).slice(0, 300)).toEqual([]);
    expect(new Set(events.map((e) => e.class_uid))).toEqual(new Set([2003]));
    const excepted = events.find((e) => e.status_id === 3);
    expect(excepted?.status).toBe("Suppressed");
  });

  it("passes and not-applicable checks are informational; could-not-evaluate and not-applicable have their own status", () => {
    const events = JSON.parse(out.ocsf ?? "") as {
      severity_id: number;
      compliance: { status_id: number; status: string };
      unmapped: { assay: { outcome: string } };
    }[];
    const byOutcome = (o: string) => events.filter((e) => e.unmapped.assay.outcome === o);
    expect(byOutcome("pass").length).toBeGreaterThan(0);
    expect(byOutcome("pass").every((e) => e.severity_id === 1 && e.compliance.status_id === 1)).toBe(true);
    expect(byOutcome("skip").length).toBeGreaterThan(0);
    for (const e of byOutcome("skip")) {
      expect(e.severity_id).toBe(1);
      expect(e.compliance).toMatchObject({ status_id: 99, status: "Not Applicable" });
    }
    expect(byOutcome("error").length).toBeGreaterThan(0);
    for (const e of byOutcome("error"))
      expect(e.compliance).toMatchObject({ status_id: 2, status: "Warning" });
    expect(byOutcome("fail").some((e) => e.severity_id >= 4)).toBe(true);
  });

  it("cloud findings apply the cloud profile with provider, account and region; device findings do not", async () => {
    const device = scan.report.findings[0];
    if (!device) throw new Error("no finding");
    const bucket = {
      uid: "arn:aws:s3:::assay-logs",
      type: "aws.s3.bucket",
      provider: "aws",
      account: "123456789012",
      region: "eu-west-1",
      name: "assay-logs",
      tags: {},
      attributes: {},
      sources: {},
      unreadable: {},
      collectedAt: scan.report.finishedAt,
    };
    const report: ScanReport = {
      ...scan.report,
      resources: [...scan.report.resources, bucket],
      findings: [{ ...device, resourceUid: bucket.uid, resourceType: bucket.type }, device],
    };
    const [cloudEvent, deviceEvent] = JSON.parse(await render("ocsf", report)) as Record<string, unknown>[];
    const validate = ocsfValidator();
    expect(validate(cloudEvent)).toEqual([]);
    expect(validate(deviceEvent)).toEqual([]);
    expect(cloudEvent?.cloud).toEqual({
      provider: "AWS",
      region: "eu-west-1",
      account: { uid: "123456789012", type_id: 10, type: "AWS Account" },
    });
    expect((cloudEvent?.metadata as { profiles?: string[] } | undefined)?.profiles).toEqual(["cloud"]);
    expect(deviceEvent?.cloud).toBeUndefined();
    // The profile is checked, not just tolerated: cloud without the profile, or the profile without cloud, fails.
    const metadata = deviceEvent?.metadata as Record<string, unknown>;
    expect(validate({ ...deviceEvent, cloud: cloudEvent?.cloud }).length).toBeGreaterThan(0);
    expect(
      validate({ ...deviceEvent, metadata: { ...metadata, profiles: ["cloud"] } }).length,
    ).toBeGreaterThan(0);
    expect(validate({ ...cloudEvent, cloud: { region: "eu-west-1" } }).length).toBeGreaterThan(0);
  });

  it("as JSON lines carries the same events", () => {
    const lines = (out["ocsf-jsonl"] ?? "")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(JSON.parse(out.ocsf ?? ""));
  });

  it("the validator rejects events that break the class definition", () => {
    const validate = ocsfValidator();
    const event = (JSON.parse(out.ocsf ?? "") as Record<string, unknown>[])[0] ?? {};
    const broken: Record<string, unknown>[] = [
      { ...event, class_uid: 2004 },
      { ...event, type_uid: 200309 },
      { ...event, severity: "Severe" },
      { ...event, not_an_ocsf_attribute: 1 },
      { ...event, compliance: { ...(event.compliance as object), status_id: 7 } },
      Object.fromEntries(Object.entries(event).filter(([k]) => k !== "finding_info")),
      { ...event, metadata: { version: "1.8.0" } },
      { ...event, resources: [{ uid: "x", owner: { name: "not vendored, cannot be checked" } }] },
    ];
    for (const b of broken) expect(validate(b).length, JSON.stringify(b).slice(0, 200)).toBeGreaterThan(0);
  });
});

describe("OSCAL 1.2.0 assessment-results", () => {
  it("validates against the NIST schema, one observation per finding, findings targeting controls", () => {
    const doc = JSON.parse(out.oscal ?? "");
    expect(oscalValidator()(doc)).toEqual([]);
    const result = doc["assessment-results"].results[0];
    expect(result.observations).toHaveLength(scan.report.findings.length);
    const targets = result.findings.map((f: { target: { "target-id": string } }) => f.target["target-id"]);
    expect(targets).toContain("A.8.24");
    expect(targets).toContain("art32-1a");
    const enc = result.findings.find(
      (f: { target: { "target-id": string } }) => f.target["target-id"] === "A.8.24",
    );
    // laptop-bob and the formula-named host are unencrypted: the control is not satisfied.
    expect(enc.target.status.state).toBe("not-satisfied");
    const obsIds = new Set(result.observations.map((o: { uuid: string }) => o.uuid));
    for (const f of result.findings)
      for (const rel of f["related-observations"] ?? [])
        expect(obsIds.has(rel["observation-uuid"])).toBe(true);
    // Every catalogue control is listed, manual ones as manual (93 ISO controls among them).
    const iso = result.findings.filter((f: { props: { name: string; value: string }[] }) =>
      f.props.some((p) => p.name === "framework" && p.value === "iso27001-2022"),
    );
    expect(iso).toHaveLength(93);
    const a51 = iso.find((f: { target: { "target-id": string } }) => f.target["target-id"] === "A.5.1");
    expect(a51.props).toContainEqual(expect.objectContaining({ name: "control-status", value: "manual" }));
    expect(a51.target.status.state).toBe("not-satisfied");
    expect(a51["related-observations"]).toBeUndefined();
    const withEvidence = result.observations.find((o: { title: string }) =>
      o.title.startsWith("FMT-ENC-001"),
    );
    expect(withEvidence["relevant-evidence"][0].description).toMatch(/diskEncryption\.systemVolumeEncrypted/);
  });

  it("imports an assessment plan it carries, names the catalogues and lists controls without automated evidence", () => {
    const doc = JSON.parse(out.oscal ?? "")["assessment-results"];
    const href: string = doc["import-ap"].href;
    expect(href).toMatch(/^#/);
    const resources = doc["back-matter"].resources as {
      uuid: string;
      title: string;
      base64?: { value: string };
    }[];
    const plan = resources.find((r) => r.uuid === href.slice(1));
    const ap = JSON.parse(Buffer.from(plan?.base64?.value ?? "", "base64").toString())["assessment-plan"];
    expect(ap.metadata["oscal-version"]).toBe("1.2.0");
    expect(ap["reviewed-controls"]["control-selections"].length).toBeGreaterThan(0);
    // Each catalogue is a back-matter resource the reviewed controls link to.
    const result = doc.results[0];
    for (const link of result["reviewed-controls"].links)
      expect(resources.some((r) => `#${r.uuid}` === link.href)).toBe(true);
    expect(resources.map((r) => r.title)).toContain("ISO/IEC 27001:2022 Annex A");
    // A.5.1 (policies) has no automated rule: listed, not satisfied, manual.
    const manual = result.findings.find(
      (f: { target: { "target-id": string } }) => f.target["target-id"] === "A.5.1",
    );
    expect(manual.target.status.state).toBe("not-satisfied");
    expect(manual.props).toContainEqual(expect.objectContaining({ name: "control-status", value: "manual" }));
  });

  it("takes each control's status from the coverage model: skipped-only, excepted-only and manual are not satisfied", async () => {
    const only = (rule: string, findings: ScanReport["findings"]): ScanReport => ({
      ...scan.report,
      rules: scan.report.rules.filter((r) => r.id === rule),
      findings,
      summary: summarize(findings, scan.report.resources.length, 1, 0),
    });
    const template = scan.report.findings.find((f) => f.ruleId === "FMT-ENC-001");
    if (!template) throw new Error("fixture scan has no FMT-ENC-001 finding");
    const { exception: _none, ...base } = template;
    const framework = {
      framework: "fw",
      title: "A framework",
      controls: [
        { id: "C-AUTO", title: "Automated", rules: ["FMT-ENC-001"] },
        { id: "C-HAND", title: "By hand", rules: [] },
      ],
    };
    const statusOf = async (report: ScanReport) => {
      const doc = JSON.parse(await render("oscal", report, { frameworks: [framework] }));
      expect(oscalValidator()(doc)).toEqual([]);
      const findings = doc["assessment-results"].results[0].findings as {
        target: { "target-id": string; status: { state: string; remarks?: string } };
        props: { name: string; value: string }[];
      }[];
      return Object.fromEntries(
        findings.map((f) => [
          f.target["target-id"],
          [f.props.find((p) => p.name === "control-status")?.value, f.target.status.state],
        ]),
      );
    };
    const excepted = {
      ...base,
      status: "fail" as const,
      exception: { owner: "o", reason: "r", expires: "2099-01-01" },
    };
    expect(await statusOf(only("FMT-ENC-001", [{ ...base, status: "skip" }]))).toEqual({
      "C-AUTO": ["not-assessed", "not-satisfied"],
      "C-HAND": ["manual", "not-satisfied"],
    });
    expect((await statusOf(only("FMT-ENC-001", [excepted])))["C-AUTO"]).toEqual([
      "excepted",
      "not-satisfied",
    ]);
    expect((await statusOf(only("FMT-ENC-001", [{ ...base, status: "pass" }])))["C-AUTO"]).toEqual([
      "satisfied",
      "satisfied",
    ]);
    // Not run at all: the rule is not in the report.
    expect((await statusOf(only("NOTHING", [])))["C-AUTO"]).toEqual(["not-assessed", "not-satisfied"]);
  });

  it("the validator rejects a document missing required parts", () => {
    const doc = JSON.parse(out.oscal ?? "");
    delete doc["assessment-results"].results[0].start;
    expect(oscalValidator()(doc).length).toBeGreaterThan(0);
  });

  it("names the organisation profile in the HTML header too", async () => {
    expect(out.html).toContain(`Profile: ${scan.report.profile?.name} (sha256:`);
    expect(out.html).toContain("; shipped defaults)");
    const own = { ...scan.report, profile: resolveProfile({ name: "ACME", password: { minLength: 14 } }) };
    expect(await render("html", own)).toContain("Profile: ACME (sha256:");
    expect(await render("html", own)).toContain("; set: password.minLength = 14)");
  });

  it("records the organisation profile the thresholds came from", () => {
    const props = JSON.parse(out.oscal ?? "")["assessment-results"].results[0].props as {
      name: string;
      value: string;
    }[];
    const value = (name: string) => props.find((p) => p.name === name)?.value;
    expect(scan.report.profile).toBeDefined();
    expect(value("profile-name")).toBe(scan.report.profile?.name);
    expect(value("profile-digest")).toBe(scan.report.profile?.digest);
    expect(value("profile.password.minLength")).toBe("12");
    expect(value("profile.patching.windowDays")).toBe("14");
  });
});

describe("SARIF 2.1.0", () => {
  it("validates against the OASIS schema; failures are results with a level, accepted risks are suppressed", () => {
    const log = JSON.parse(out.sarif ?? "");
    expect(sarifOasisValidator()(log)).toEqual([]);
    expect(sarifValidator()(log)).toEqual([]);
    const results = log.runs[0].results as { kind: string; level: string; suppressions?: unknown[] }[];
    // By default only failures (excepted ones included, as suppressed results) become results.
    expect(results).toHaveLength(scan.report.findings.filter((f) => f.status === "fail").length);
    expect(results.every((r) => r.kind === "fail")).toBe(true);
    expect(results.some((r) => r.kind === "fail" && r.level === "error")).toBe(true);
    expect(results.some((r) => r.suppressions?.length)).toBe(true);
    expect(log.runs[0].invocations[0].toolExecutionNotifications).toHaveLength(1);
  });

  it("every result passes the checks GitHub code scanning's upload processing applies", async () => {
    const log = JSON.parse(out.sarif ?? "");
    expect(githubSarifProblems(log)).toEqual([]);
    const all = JSON.parse(await render("sarif", scan.report, { sarifResults: "all" }));
    expect(all.runs[0].results).toHaveLength(scan.report.findings.length);
    expect(githubSarifProblems(all)).toEqual([]);
    expect(sarifOasisValidator()(all)).toEqual([]);
    const nonFail = all.runs[0].results.filter((r: { kind: string }) => r.kind !== "fail");
    expect(nonFail.length).toBeGreaterThan(0);
    expect(nonFail.every((r: { level: string }) => r.level === "none")).toBe(true);
    const withErrors = JSON.parse(await render("sarif", scan.report, { sarifResults: "fail-error" }));
    const kinds = new Set(withErrors.runs[0].results.map((r: { kind: string }) => r.kind));
    expect([...kinds].sort()).toEqual(["fail", "open"]);
    for (const rule of log.runs[0].tool.driver.rules) {
      expect(rule.properties.tags).toContain("security");
      expect(Number(rule.properties["security-severity"])).toBeGreaterThanOrEqual(0);
    }
  });

  it("the GitHub check rejects what code scanning rejects", () => {
    const log = JSON.parse(out.sarif ?? "");
    const result = log.runs[0].results[0];
    const variants = [
      { ...result, locations: [{ logicalLocations: result.locations[0].logicalLocations }] },
      { ...result, locations: [] },
      {
        ...result,
        locations: [
          { physicalLocation: { artifactLocation: { uri: "arn:aws:s3:::b" }, region: { startLine: 1 } } },
        ],
      },
      { ...result, locations: [{ physicalLocation: { artifactLocation: { uri: "a/b" } } }] },
      { ...result, partialFingerprints: undefined },
      { ...result, ruleId: "NOT-A-RULE" },
    ];
    for (const variant of variants) {
      const broken = { ...log, runs: [{ ...log.runs[0], results: [variant] }] };
      expect(githubSarifProblems(broken).length, JSON.stringify(variant).slice(0, 200)).toBe(1);
    }
  });

  it("keeps each alert's location and fingerprint across runs whose messages and evidence differ", async () => {
    const fingerprints = (log: { runs: { results: Record<string, unknown>[] }[] }) =>
      new Map(
        (log.runs[0]?.results ?? []).map((r) => [
          `${r.ruleId} ${JSON.stringify((r.locations as unknown[])[0])}`,
          JSON.stringify(r.partialFingerprints),
        ]),
      );
    const later: ScanReport = {
      ...scan.report,
      id: "01JZZZZZZZZZZZZZZZZZZZZZZZ",
      startedAt: "2031-01-01T00:00:00.000Z",
      finishedAt: "2031-01-01T00:00:05.000Z",
      findings: scan.report.findings.map((f) => ({ ...f, message: `${f.message} (again)`, evidence: {} })),
    };
    const first = fingerprints(JSON.parse(out.sarif ?? ""));
    const second = fingerprints(JSON.parse(await render("sarif", later)));
    expect(second).toEqual(first);
    expect(new Set(first.values()).size).toBe(first.size);
  });

  it("the validator rejects a log with a bad level", () => {
    const log = JSON.parse(out.sarif ?? "");
    log.runs[0].results[0].level = "fatal";
    expect(sarifOasisValidator()(log).length).toBeGreaterThan(0);
    expect(sarifValidator()(log).length).toBeGreaterThan(0);
    const renamed = JSON.parse(out.sarif ?? "");
    const suppressed = renamed.runs[0].results.find((r: { suppressions?: unknown[] }) => r.suppressions);
    suppressed.suppressions[0] = { kind: "external", state: "accepted" }; // the pre-standard field name
    expect(sarifOasisValidator()(renamed).length).toBeGreaterThan(0);
  });
});

describe("JUnit XML", () => {
  it("validates against the JUnit XSD with xmllint; one suite per rule", async () => {
    const xml = out.junit ?? "";
    expect(await validateJunitXml(xml)).toEqual([]);
    expect((xml.match(/<testsuite /g) ?? []).length).toBe(
      new Set(scan.report.findings.map((f) => f.ruleId)).size,
    );
    expect((xml.match(/<testcase /g) ?? []).length).toBe(scan.report.findings.length);
    const fails = scan.report.findings.filter((f) => f.status === "fail" && !f.exception).length;
    expect((xml.match(/<failure /g) ?? []).length).toBe(fails);
    expect(xml).toContain("accepted risk (owner it-lead@example.com");
    expect(xml).toContain("server-&lt;db&gt;&amp;&quot;01&quot;");
  });

  it("xmllint rejects a document that breaks the XSD", async () => {
    expect(
      (await validateJunitXml((out.junit ?? "").replace(/<properties>[\s\S]*?<\/properties>/, ""))).length,
    ).toBeGreaterThan(0);
    expect((await validateJunitXml((out.junit ?? "").replace(' time="0.000"', ' time="soon"'))).length).toBe(
      1,
    );
  });

  it("gives each suite its own time, not the scan's, and keeps message line breaks", async () => {
    const xml = out.junit ?? "";
    const suiteTimes = [...xml.matchAll(/<testsuite [^>]*time="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(suiteTimes.length).toBeGreaterThan(1);
    // Tools add suite times up; the scan's duration must not be counted once per rule.
    expect(suiteTimes.reduce((a, b) => a + b, 0)).toBe(0);
    const finding = scan.report.findings.find((f) => f.status === "fail" && !f.exception);
    if (!finding) throw new Error("no failure");
    const report: ScanReport = {
      ...scan.report,
      findings: [{ ...finding, message: "first line\nsecond line\tafter a tab" }],
    };
    const multi = await render("junit", report);
    expect(await validateJunitXml(multi)).toEqual([]);
    expect(multi).toContain('message="first line&#10;second line&#9;after a tab"');
  });
});

describe("CSV", () => {
  it("has one RFC 4180 row per finding, with formulas defused", () => {
    const rows = parseCsv(out.csv ?? "");
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(scan.report.findings.length + 1);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const formula = rows.find((r) => r[col("resource_name")]?.includes("HYPERLINK"));
    expect(formula?.[col("resource_name")]).toBe(`'=HYPERLINK("http://x")`);
    const excepted = rows.find((r) => r[col("outcome")] === "excepted");
    expect(excepted?.[col("exception_owner")]).toBe("it-lead@example.com");
    expect((out.csv ?? "").charCodeAt(0)).not.toBe(0xfeff);
  });

  it("for Excel starts with a UTF-8 byte order mark, ends rows with CRLF, keeps non-ASCII and defuses formulas", async () => {
    const first = scan.report.resources[0];
    if (!first) throw new Error("no resource");
    const report: ScanReport = {
      ...scan.report,
      resources: [{ ...first, name: "Zürich-東京-ноутбук" }, ...scan.report.resources.slice(1)],
    };
    const excel = await render("csv", report, { excel: true });
    const bytes = Buffer.from(excel, "utf8");
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.includes(Buffer.from("Zürich-東京-ноутбук", "utf8"))).toBe(true);
    const body = excel.slice(1);
    expect(body).toBe(await render("csv", report));
    // Outside quoted fields every line ends CRLF.
    const unquoted = body.replace(/"(?:[^"]|"")*"/g, "");
    expect(unquoted.match(/\r\n/g)?.length).toBe(report.findings.length + 1);
    expect(unquoted.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(body).toContain(`'=HYPERLINK(`);
  });
});

describe("control coverage", () => {
  it("lists every control of every framework, with automated rules and the ones needing manual evidence", () => {
    const rows = parseCsv(out.coverage ?? "");
    expect(rows[0]).toEqual([...COVERAGE_COLUMNS]);
    const iso = new Set(rows.filter((r) => r[0] === "iso27001-2022").map((r) => r[2]));
    expect(iso.size).toBe(93);
    const ce = rows.filter((r) => r[0] === "cyber-essentials");
    expect(new Set(ce.map((r) => r[2])).size).toBe(30);
    const byControl = (fw: string, id: string) => rows.filter((r) => r[0] === fw && r[2] === id);
    expect(byControl("iso27001-2022", "A.5.1")[0]?.[4]).toBe("manual");
    expect(byControl("iso27001-2022", "A.8.24")[0]?.[4]).toBe("failing");
    // A.8.1 lists the fixture rules this scan ran and the shipped rules it did not run.
    const a81 = byControl("iso27001-2022", "A.8.1");
    expect(a81.map((r) => r[5])).toEqual(
      expect.arrayContaining(["FMT-ENC-001", "FMT-LOCK-001", "DEV-ENC-001"]),
    );
    expect(a81.find((r) => r[5] === "FMT-LOCK-001")?.[7]).toBe("failing");
    expect(a81.find((r) => r[5] === "DEV-ENC-001")?.[7]).toBe("not-evaluated");
    expect(new Set(rows.filter((r) => r[0] === "gdpr-art32").map((r) => r[2]))).toEqual(
      new Set(["art32-1a", "art32-1b", "art32-1c", "art32-1d", "art32-2", "art32-4"]),
    );
  });
});

describe("seed control statements in coverage", () => {
  it("are listed with their rules, manual ones as manual with the evidence to gather by hand", async () => {
    const shipped = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
    const seed = seedPolicyFramework(
      shipped.policies,
      shipped.rules.map((r) => ({ id: r.definition.id, policy: r.definition.policy })),
    );
    const options = { frameworks: [seed] };
    const rows = parseCsv(await render("coverage", scan.report, options)).filter(
      (r) => r[0] === "seed-policies",
    );
    const evidenceColumn = COVERAGE_COLUMNS.indexOf("manual_evidence");
    const pen = rows.filter((r) => r[2] === "penetration-testing");
    expect(pen).toHaveLength(1);
    expect(pen[0]?.[4]).toBe("manual");
    expect(pen[0]?.[evidenceColumn]).toMatch(/penetration test report/);
    // Rules that this device scan did not run, and evidence by hand besides: not assessed, evidence listed.
    const access = rows.filter((r) => r[2] === "access-control");
    expect(access.length).toBeGreaterThan(1);
    expect(access[0]?.[4]).toBe("not-assessed");
    expect(access[0]?.[evidenceColumn]).toMatch(/access review/);
    expect(new Set(rows.map((r) => r[2]))).toEqual(new Set(Object.keys(shipped.policies)));

    const html = await render("html", scan.report, options);
    expect(html).toContain('<table class="coverage" data-framework="seed-policies">');
    expect(html).toMatch(/Evidence by hand:<ul><li>The latest third-party penetration test report/);

    const doc = JSON.parse(await render("oscal", scan.report, options));
    expect(oscalValidator()(doc)).toEqual([]);
    const penFinding = doc["assessment-results"].results[0].findings.find(
      (f: { target: { "target-id": string } }) => f.target["target-id"] === "penetration-testing",
    );
    expect(penFinding.description).toMatch(
      /Evidence to gather by hand: The latest third-party penetration test/,
    );
    expect(penFinding.target.status.state).toBe("not-satisfied");
  });
});

describe("HTML report", () => {
  it("puts the engine's generic messages in words and leaves other messages as they are", () => {
    expect(messageHtml({ status: "fail", message: "failed: No unused accounts" }, "No unused accounts")).toBe(
      "Expected: No unused accounts",
    );
    const skip = messageHtml({ status: "skip", message: 'not applicable: resource.os == "linux"' }, "T");
    expect(skip).toMatch(/^Not applicable: the rule's condition does not hold for this resource\./);
    expect(skip).toContain(
      '<details><summary>Condition</summary><code class="cel">resource.os == &quot;linux&quot;</code>',
    );
    expect(messageHtml({ status: "fail", message: "port 22 open to 0.0.0.0/0 in sg-1" }, "T")).toBe(
      "port 22 open to 0.0.0.0/0 in sg-1",
    );
    const html = out.html ?? "";
    expect(html).toContain('<nav id="contents"');
    expect(html).toMatch(/<a href="#failing">Failing resources by rule \(\d+ findings, \d+ rules\)<\/a>/);
  });

  it("marks the offending elements of list-valued evidence, the full list one look away", async () => {
    const failing = scan.report.findings.find((f) => f.status === "fail");
    expect(failing).toBeDefined();
    const ingress = [
      { port: 443, cidr: "0.0.0.0/0" },
      { port: 22, cidr: "0.0.0.0/0" },
      { port: 5432, cidr: "10.0.0.0/8" },
      { port: 3389, cidr: "::/0", note: "x".repeat(400) },
    ];
    const finding = {
      ...(failing as (typeof scan.report.findings)[number]),
      evidence: { ingress: { value: ingress, offending: [1, 3], source: "ec2:DescribeSecurityGroups" } },
    };
    const html = await render(
      "html",
      { ...scan.report, findings: [finding] },
      { frameworks: scan.frameworks },
    );
    const list = html.split('<ol class="ev-list">')[1]?.split("</ol>")[0] ?? "";
    expect(html).toContain('ingress = <span class="muted">4 elements, 2 offending</span>');
    expect(list.match(/<li class="offending"/g)).toHaveLength(2);
    expect(list).toContain('<li class="offending" value="1"><mark>{&quot;port&quot;:22');
    expect(list).toContain('<li value="0">{&quot;port&quot;:443');
    // The long element is cut, with the whole value in <details>.
    expect(list).toMatch(/<li class="offending" value="3"><mark><details><summary>.*…<\/summary>/);
    expect(html).toContain("source: ec2:DescribeSecurityGroups");
  });

  it("is one self-contained file with every section, escaped, and the changes since the baseline", () => {
    const html = out.html ?? "";
    // Nothing that could fetch: no script, link, image, frame, src/href attribute, CSS url() or @import.
    // In-page links (`href="#…"`, the table of contents) fetch nothing.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|\ssrc=|\shref=(?!"#)|url\(|@import/i);
    for (const id of [
      "summary",
      "chart",
      "collector-errors",
      "changes",
      "failing",
      "not-evaluated",
      "excepted",
      "coverage",
    ])
      expect(html, id).toContain(`id="${id}"`);
    expect(html).toContain('<svg id="pass-rate-chart"');
    expect(html).toContain("@media print");
    expect(html).toContain("server-&lt;db&gt;&amp;&quot;01&quot;");
    expect(html).not.toContain("server-<db>");
    const count = (kind: string) => html.match(new RegExp(`id="changes-${kind}-count"><b>(\\d+)</b>`))?.[1];
    expect(Number(count("regressed"))).toBeGreaterThan(0);
    expect(Number(count("resolved"))).toBeGreaterThan(0);
    const section = (kind: string) => html.split(`id="changes-${kind}"`)[1]?.split("</table>")[0] ?? "";
    expect(section("regressed")).toContain("laptop-bob");
    expect(section("resolved")).toContain("server-&lt;db&gt;");
    expect(section("new")).toContain("laptop-new");
    expect(section("gone")).toContain("laptop-retired");
    expect(html).toContain("Kiosk sits on an isolated VLAN");
    expect(html).toContain("need evidence by hand");
  });
});

describe("JSON", () => {
  it("streams exactly what JSON.stringify(report, null, 2) prints, signed or not", async () => {
    expect(out.json).toBe(`${JSON.stringify(scan.report, null, 2)}\n`);
    const signed = {
      ...scan.report,
      signature: { algorithm: "ed25519" as const, keyId: "k1", value: "c2ln" },
    };
    expect(await render("json", signed)).toBe(`${JSON.stringify(signed, null, 2)}\n`);
    const empty = { ...scan.report, findings: [], resources: [] };
    expect(await render("json", empty)).toBe(`${JSON.stringify(empty, null, 2)}\n`);
  });
});

describe("a scan with nothing in it", () => {
  it("still renders a valid document in every machine format", async () => {
    const empty: ScanReport = {
      ...scan.report,
      resources: [],
      findings: [],
      collectorErrors: [],
      summary: summarize([], 0, scan.report.rules.length, 0),
    };
    const options = { frameworks: scan.frameworks };
    expect(JSON.parse(await render("ocsf", empty, options))).toEqual([]);
    expect(oscalValidator()(JSON.parse(await render("oscal", empty, options)))).toEqual([]);
    expect(sarifOasisValidator()(JSON.parse(await render("sarif", empty, options)))).toEqual([]);
    expect(await validateJunitXml(await render("junit", empty, options))).toEqual([]);
    expect(parseCsv(await render("csv", empty, options))).toHaveLength(1);
    expect(await render("html", empty, options)).toContain("No failing resources.");
  });
});

describe("streaming", () => {
  it("every format yields bounded chunks for a large report instead of one string", async () => {
    const big = multiply(scan.report, 40);
    // Coverage is bounded by the catalogues, not by the findings.
    for (const format of formatNames().filter((f) => f !== "coverage")) {
      const renderer = await loadRenderer(format);
      let chunks = 0;
      let largest = 0;
      for await (const chunk of renderer?.render(big, { frameworks: scan.frameworks }) ?? []) {
        chunks += 1;
        largest = Math.max(largest, chunk.length);
      }
      expect(chunks, format).toBeGreaterThan(1);
      expect(largest, format).toBeLessThan(256 * 1024);
    }
  });
});

/** The report with each synthetic finding repeated on `n` copies of its resource. */
function multiply(report: ScanReport, n: number): ScanReport {
  const resources = report.resources.flatMap((r) =>
    Array.from({ length: n }, (_, i) => ({ ...r, uid: `${r.uid}#${i}`, name: `${r.name}-${i}` })),
  );
  const findings = report.findings.flatMap((f) =>
    Array.from({ length: n }, (_, i) => ({ ...f, resourceUid: `${f.resourceUid}#${i}` })),
  );
  return { ...report, resources, findings };
}
