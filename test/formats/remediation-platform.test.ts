import { describe, expect, it } from "vitest";
import { renderTable } from "../../src/cli/table.js";
import { DiagnosticsError } from "../../src/core/errors.js";
import type { Finding } from "../../src/core/finding.js";
import { type ScanReport, ScanReportSchema } from "../../src/core/report.js";
import { remediationFor, remediationSummary } from "../../src/core/rule.js";
import { loadRules } from "../../src/engine/load.js";
import { summarize } from "../../src/engine/summary.js";
import { renderToString } from "../../src/formats/chunks.js";
import { loadRenderer } from "../../src/formats/registry.js";
import { makeRuleDir } from "../helpers/rule-dir.js";

const LINUX = "Add install usb-storage /bin/false to /etc/modprobe.d/usb-storage.conf";
const DARWIN = "Install a configuration profile whose mount-controls deny external disks";
const DEFAULT = "Block USB mass storage with the device-control policy of the platform";

const device = (name: string, platform?: string) => ({
  uid: `device:${name}`,
  type: "device",
  provider: "device",
  name,
  tags: {},
  attributes: platform
    ? { os: { platform, distro: "d", release: "1", kernel: "k", arch: "x64" }, hostname: name }
    : { hostname: name },
  sources: {},
  unreadable: {},
  collectedAt: "2026-01-01T00:00:00.000Z",
});

const failing = (name: string): Finding => ({
  ruleId: "DEV-USB-001",
  resourceUid: `device:${name}`,
  resourceType: "device",
  status: "fail",
  severity: "medium",
  message: "USB mass storage can be mounted.",
  evidence: {},
  controls: ["fw:C1"],
  policy: "removable-media",
});

function report(): ScanReport {
  const findings = [failing("tux"), failing("mac"), failing("unknown")];
  return ScanReportSchema.parse({
    schemaVersion: 1,
    id: "01JABCDEFGHJKMNPQRSTVWXYZ0",
    agent: { id: "local", hostname: "h", version: "0.1.0" },
    scope: { collectors: ["device"], ruleDirs: [] },
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    resources: [device("tux", "linux"), device("mac", "darwin"), device("unknown")],
    rules: [
      {
        id: "DEV-USB-001",
        title: "USB mass storage cannot be used",
        severity: "medium",
        resourceTypes: ["device"],
        policy: "removable-media",
        policyName: "Removable media",
        ...remediationSummary({ default: DEFAULT, linux: LINUX, darwin: DARWIN }),
        controls: ["fw:C1"],
      },
    ],
    findings,
    collectorErrors: [],
    summary: summarize(findings, 3, 1, 0),
  });
}

async function render(format: string): Promise<string> {
  const renderer = await loadRenderer(format);
  if (!renderer) throw new Error(`no renderer ${format}`);
  return renderToString(renderer.render(report()));
}

describe("per-platform remediation", () => {
  it("a rule file may give remediation per device platform with a default; without the default it is refused, naming the field", async () => {
    const rule = (remediation: string) =>
      [
        "id: DEV-X-001",
        "title: USB mass storage cannot be used",
        "severity: medium",
        "resource: device",
        "policy: removable-media",
        "assert: resource.attributes.removableMedia.usbStorageBlocked == true",
        "evidence: [removableMedia.usbStorageBlocked]",
        remediation,
      ].join("\n");
    const dir = await makeRuleDir({
      "removable-media/DEV-X-001.yaml": rule(
        `remediation:\n  linux: "${LINUX}"\n  win32: "Windows text"\n  default: "${DEFAULT}"`,
      ),
    });
    const summary = (await loadRules({ dirs: [dir] })).rules[0]?.summary;
    expect(summary?.remediation).toBe(DEFAULT);
    expect(summary?.remediationByPlatform).toEqual({ linux: LINUX, win32: "Windows text" });

    const bad = await makeRuleDir({
      "removable-media/DEV-X-001.yaml": rule(`remediation:\n  linux: "${LINUX}"`),
    });
    const error = await loadRules({ dirs: [bad] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticsError);
    const diagnostics = (error as DiagnosticsError).diagnostics;
    expect(diagnostics.map((d) => d.field)).toContain("remediation");
    expect(diagnostics[0]?.location.file).toMatch(/DEV-X-001\.yaml$/);
  });

  it("picks the platform's own text, else the default", () => {
    const rule = remediationSummary({ default: DEFAULT, linux: LINUX });
    expect(remediationFor(rule, "linux")).toBe(LINUX);
    expect(remediationFor(rule, "darwin")).toBe(DEFAULT);
    expect(remediationFor(rule, undefined)).toBe(DEFAULT);
    expect(remediationFor(remediationSummary("one text"), "linux")).toBe("one text");
  });

  it("CSV, JUnit, OCSF and the terminal table show each finding its own platform's text", async () => {
    const csv = (await render("csv")).split("\r\n");
    expect(csv.find((l) => l.includes("device:tux"))).toContain(LINUX);
    expect(csv.find((l) => l.includes("device:mac"))).toContain(DARWIN);
    expect(csv.find((l) => l.includes("device:mac"))).not.toContain(LINUX);
    expect(csv.find((l) => l.includes("device:unknown"))).toContain(DEFAULT);

    const junit = await render("junit");
    const caseOf = (name: string) => junit.split("<testcase").find((c) => c.includes(`device:${name}`)) ?? "";
    expect(caseOf("mac")).toContain("mount-controls");
    expect(caseOf("mac")).not.toContain("modprobe");
    expect(caseOf("tux")).toContain("modprobe");

    const events = JSON.parse(await render("ocsf")) as { remediation: { desc: string }; message: string }[];
    expect(events.map((e) => e.remediation.desc).sort()).toEqual([DEFAULT, LINUX, DARWIN].sort());

    const table = renderTable(report(), { color: false });
    const fixes = table.split("\n").filter((l) => l.includes("fix:"));
    expect(fixes).toHaveLength(3);
    expect(fixes.filter((l) => l.includes("modprobe"))).toHaveLength(1);
    // Evidence: a value, a fact the device does not have, and one it could not read.
    const withEvidence = report();
    const first = withEvidence.findings[0];
    if (!first) throw new Error("no finding");
    first.evidence = {
      "removableMedia.usbStorageBlocked": { value: false },
      "removableMedia.mechanism": {},
      "removableMedia.policy": { unreadable: "permission denied" },
    };
    expect(renderTable(withEvidence, { color: false })).toContain(
      "evidence: removableMedia.usbStorageBlocked=false, removableMedia.mechanism=(absent), removableMedia.policy=unreadable (permission denied)",
    );
  });

  it("HTML labels each platform's text in a rule's group; SARIF's rule help lists them all, labelled", async () => {
    const html = await render("html");
    expect(html).toContain("<b>Remediation (Linux):</b>");
    expect(html).toContain("<b>Remediation (macOS):</b>");
    expect(html).toContain(`<b>Remediation (Other):</b> ${DEFAULT}`);
    const sarif = JSON.parse(await render("sarif")) as {
      runs: { tool: { driver: { rules: { help: { text: string } }[] } } }[];
    };
    const help = sarif.runs[0]?.tool.driver.rules[0]?.help.text ?? "";
    expect(help.split("\n")).toEqual([`Linux: ${LINUX}`, `macOS: ${DARWIN}`, `Other: ${DEFAULT}`]);
  });
});
