import { describe, expect, it } from "vitest";
import { DiagnosticsError } from "../../src/core/errors.js";
import { loadRules } from "../../src/engine/load.js";
import { makeRuleDir } from "../helpers/rule-dir.js";

const validRule = `id: TST-001
title: Firewall is enabled
severity: high
resource: device
policy: remote-access
assert: resource.attributes.firewall.enabled == true
evidence: [firewall.enabled, firewall.backend]
remediation: Enable the firewall.
`;

async function diagnosticsFor(files: Record<string, string>) {
  const dir = await makeRuleDir(files);
  try {
    await loadRules({ dirs: [dir] });
  } catch (error) {
    if (error instanceof DiagnosticsError) return { dir, diagnostics: error.diagnostics };
    throw error;
  }
  throw new Error("expected the rules to be rejected");
}

describe("loadRules", () => {
  it("compiles a valid rule and keeps its metadata", async () => {
    const dir = await makeRuleDir({ "remote-access/TST-001.yaml": validRule });
    const set = await loadRules({ dirs: [dir] });
    expect(set.rules).toHaveLength(1);
    expect(set.rules[0]?.summary).toMatchObject({
      id: "TST-001",
      severity: "high",
      policy: "remote-access",
      resourceTypes: ["device"],
    });
    expect(set.rules[0]?.readPaths).toEqual(["firewall.enabled"]);
  });

  it("names file, line and column of a CEL syntax error", async () => {
    const rule = validRule.replace(
      "assert: resource.attributes.firewall.enabled == true",
      "assert: resource.attributes.firewall.enabled == ",
    );
    const { dir, diagnostics } = await diagnosticsFor({ "x/TST-001.yaml": rule });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: "RULE_CEL_SYNTAX",
      field: "assert",
      location: { file: `${dir}/x/TST-001.yaml`, line: 6 },
    });
    // The expression starts at column 9; the error is at its end (offset 39).
    expect(diagnostics[0]?.location.column).toBe(9 + 39);
  });

  it("locates errors inside block-scalar expressions", async () => {
    const rule = validRule.replace(
      "assert: resource.attributes.firewall.enabled == true",
      "assert: |\n  resource.attributes.firewall.enabled &&\n    resource.attributes.firewall.nope > 0",
    );
    const { diagnostics } = await diagnosticsFor({ "x/TST-001.yaml": rule });
    expect(diagnostics[0]).toMatchObject({
      code: "RULE_UNKNOWN_ATTRIBUTE",
      location: { line: 8, column: 5 },
    });
    expect(diagnostics[0]?.message).toContain('"firewall.nope"');
  });

  it("reports a CEL type error against the facts schema at lint time, with file, line and column", async () => {
    const rule = validRule.replace(
      "assert: resource.attributes.firewall.enabled == true",
      'assert: resource.attributes.firewall.enabled && resource.attributes.firewall.ruleCount > "3"',
    );
    const { dir, diagnostics } = await diagnosticsFor({ "x/TST-001.yaml": rule });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: "RULE_CEL_TYPE",
      field: "assert",
      message: 'type error: "firewall.ruleCount" is a number and "3" a string: > compares values of one kind',
      location: { file: `${dir}/x/TST-001.yaml`, line: 6 },
    });
    // The comparison starts where its left operand does: column 9 + offset 40.
    expect(diagnostics[0]?.location.column).toBe(9 + 40);
  });

  it.each([
    ['resource.attributes.firewall.enabled == "true"', '"firewall.enabled" is a boolean and "true" a string'],
    [
      "resource.attributes.firewall.ruleCount && true",
      '"firewall.ruleCount" is a number, but && takes true or false',
    ],
    ["(!resource.attributes.firewall.backend)", '"firewall.backend" is a string, but ! takes true or false'],
    [
      "resource.attributes.diskEncryption.volumes.all(v, v.encrypted == 1)",
      '"diskEncryption.volumes[].encrypted" is a boolean and 1 a number',
    ],
    [
      "resource.attributes.firewall.ruleCount in resource.attributes.firewall.backend",
      '"firewall.backend" is a string, but in needs a list or a map',
    ],
  ])("type-checks %s", async (expression, message) => {
    const rule = validRule.replace("resource.attributes.firewall.enabled == true", expression);
    const { diagnostics } = await diagnosticsFor({ "x/TST-001.yaml": rule });
    expect(diagnostics.map((d) => d.code)).toEqual(["RULE_CEL_TYPE"]);
    expect(diagnostics[0]?.message).toContain(message);
  });

  it("accepts comparisons of one kind, null checks and facts whose kind the schema leaves open", async () => {
    const dir = await makeRuleDir({
      "x/TST-001.yaml": validRule.replace(
        "resource.attributes.firewall.enabled == true",
        "resource.attributes.firewall.ruleCount >= 2.5 && resource.attributes.firewall.backend != null && resource.attributes.diskEncryption.volumes.exists(v, v.encrypted)",
      ),
    });
    await expect(loadRules({ dirs: [dir] })).resolves.toBeDefined();
  });

  it("rejects a message expression that does not give text", async () => {
    const rule = validRule.replace("evidence:", "message: resource.attributes.firewall.enabled\nevidence:");
    const { diagnostics } = await diagnosticsFor({ "x/TST-001.yaml": rule });
    expect(diagnostics.map((d) => [d.code, d.field, d.message])).toEqual([
      ["RULE_MESSAGE_TYPE", "message", "message must give a string or a list of strings, not bool"],
    ]);
  });

  it("rejects an attribute the facts schema does not have, with its position", async () => {
    const rule = validRule.replace("firewall.enabled == true", "firewal.enabled == true");
    const { diagnostics } = await diagnosticsFor({ "x/TST-001.yaml": rule });
    expect(diagnostics[0]).toMatchObject({
      code: "RULE_UNKNOWN_ATTRIBUTE",
      field: "assert",
      location: { line: 6, column: 9 },
    });
    expect(diagnostics[0]?.message).toBe('the device facts schema has no attribute "firewal.enabled"');
  });

  it("checks attributes read through macro variables and evidence paths", async () => {
    const rule = validRule
      .replace(
        "resource.attributes.firewall.enabled == true",
        "resource.attributes.diskEncryption.volumes.all(v, v.encrypted && v.colour == 1)",
      )
      .replace("[firewall.enabled, firewall.backend]", "[diskEncryption.volumes, firewall.wat]");
    const { diagnostics } = await diagnosticsFor({ "x/TST-001.yaml": rule });
    expect(diagnostics.map((d) => d.message)).toEqual([
      'the device facts schema has no attribute "diskEncryption.volumes[].colour"',
      'evidence path "firewall.wat" is not in the device facts schema',
    ]);
    expect(diagnostics[1]).toMatchObject({ field: "evidence.1", location: { line: 7 } });
  });

  it("reports unknown fields, bad severity, unknown policy and id/file-name mismatch together", async () => {
    const rule = `${validRule.replace("severity: high", "severity: urgent").replace("policy: remote-access", "policy: nonsense")}colour: blue\n`;
    const { diagnostics } = await diagnosticsFor({ "x/TST-002.yaml": rule });
    const byCode = diagnostics.map((d) => `${d.code}@${d.location.line}:${d.field ?? ""}`);
    expect(byCode).toContain("RULE_INVALID@3:severity");
    expect(byCode).toContain("RULE_INVALID@9:");
    expect(diagnostics.find((d) => d.location.line === 9)?.message).toBe('unknown field "colour"');
  });

  it("reports semantic problems of a schema-valid rule", async () => {
    const rule = validRule
      .replace("policy: remote-access", "policy: nonsense")
      .replace("resource: device", "resource: [device, aws.nothing]");
    const { diagnostics } = await diagnosticsFor({ "x/TST-002.yaml": rule });
    expect(diagnostics.map((d) => d.code).sort()).toEqual([
      "RULE_ID_MISMATCH",
      "RULE_UNKNOWN_POLICY",
      "RULE_UNKNOWN_RESOURCE_TYPE",
    ]);
  });

  it("reports YAML syntax errors with their line", async () => {
    const { diagnostics } = await diagnosticsFor({
      "x/TST-001.yaml": "id: TST-001\ntitle: [unclosed\nseverity: high\n",
    });
    expect(diagnostics[0]?.code).toBe("YAML_SYNTAX");
    expect(diagnostics[0]?.location.line).toBeGreaterThanOrEqual(2);
  });

  it("rejects duplicate rule ids across folders", async () => {
    const dir = await makeRuleDir({ "a/TST-001.yaml": validRule, "b/TST-001.yaml": validRule });
    await expect(loadRules({ dirs: [dir] })).rejects.toThrow(/also defined in/);
  });
});
