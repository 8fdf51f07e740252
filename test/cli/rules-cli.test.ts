import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { makeRuleDir } from "../helpers/rule-dir.js";

const rule = (assert: string) => `id: CUS-001
title: Custom firewall rule
severity: low
resource: device
policy: remote-access
assert: ${assert}
evidence: [firewall.enabled]
remediation: Turn it on.
`;

const tests = `rule: CUS-001
cases:
  - name: on
    expect: pass
    resource: { attributes: { firewall: { enabled: true, backend: ufw, ruleCount: 3 } } }
  - name: off
    expect: fail
    resource: { attributes: { firewall: { enabled: false, backend: ufw, ruleCount: 0 } } }
`;

describe("assay rules", () => {
  it("lint exits 1 and names file, line and column of each problem", async () => {
    const dir = await makeRuleDir({
      "remote-access/CUS-001.yaml": rule("resource.attributes.firewall.enabld == true"),
    });
    const result = runCli(["rules", "lint", "--no-builtin-rules", "--rule-dir", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${dir}/remote-access/CUS-001.yaml:6:9: assert: the device facts schema has no attribute "firewall.enabld" [RULE_UNKNOWN_ATTRIBUTE]`,
    );
  });

  it("lint accepts a valid folder and test runs its cases", async () => {
    const dir = await makeRuleDir({
      "remote-access/CUS-001.yaml": rule("resource.attributes.firewall.enabled"),
      "remote-access/CUS-001.test.yaml": tests,
    });
    expect(runCli(["rules", "lint", "--no-builtin-rules", "--rule-dir", dir])).toMatchObject({
      code: 0,
      stdout: "1 rule(s) OK\n",
    });
    const tested = runCli(["rules", "test", "--no-builtin-rules", "--rule-dir", dir]);
    expect(tested).toMatchObject({ code: 0 });
    expect(tested.stdout).toContain("1 rule(s): 2 passed, 0 failed");
  });

  it("test exits 1 when a case does not get its expected status, or a fixture breaks the facts schema", async () => {
    const wrong = tests.replace("expect: fail", "expect: pass").replace("ruleCount: 3", "ruleCount: -3");
    const dir = await makeRuleDir({
      "remote-access/CUS-001.yaml": rule("resource.attributes.firewall.enabled"),
      "remote-access/CUS-001.test.yaml": wrong,
    });
    const result = runCli(["rules", "test", "--no-builtin-rules", "--rule-dir", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL CUS-001 "off": expected pass, got fail');
    expect(result.stderr).toMatch(
      /CUS-001\.test\.yaml:5:\d+: cases\.0\.resource\.attributes\.firewall\.ruleCount: .*\[RULE_TEST_FACTS\]/,
    );
  });

  it("a missing rule folder is a clear error with exit 2", () => {
    const result = runCli(["rules", "list", "--rule-dir", "/nonexistent/rules"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("/nonexistent/rules: no such folder");
    expect(result.stderr).not.toContain("    at ");
  });

  it("profile shows each threshold with its source, the config's overrides, and refuses a typo with exit 2", async () => {
    const defaults = runCli(["rules", "profile", "--json"]);
    expect(defaults.code, defaults.stderr).toBe(0);
    const shown = JSON.parse(defaults.stdout) as {
      name: string;
      digest: string;
      keys: { key: string; value: unknown; source: string; overridden: boolean }[];
    };
    expect(shown.keys.find((k) => k.key === "patching.windowDays")).toMatchObject({
      value: 14,
      overridden: false,
      source: expect.stringContaining("Cyber Essentials v3.3"),
    });
    const dir = await makeRuleDir({
      "assay.yaml": "profile:\n  name: ACME 2026\n  password:\n    minLength: 14\n",
      "typo.yaml": "profile:\n  password:\n    minLenght: 14\n",
    });
    const own = runCli(["rules", "profile", "-c", `${dir}/assay.yaml`]);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toMatch(/^ACME 2026\nsha256:[0-9a-f]{64}\n/);
    expect(own.stdout).toMatch(/password\.minLength\s+14\s+set in the config \(default 12\)/);
    const typo = runCli(["rules", "profile", "-c", `${dir}/typo.yaml`]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`${dir}/typo.yaml:3:`);
    expect(typo.stderr).toContain('profile.password: unknown field "minLenght" [CONFIG_INVALID]');
    // The scan refuses the same config the same way, before collecting anything.
    const scan = runCli(["scan", "-c", `${dir}/typo.yaml`]);
    expect(scan.code).toBe(2);
    expect(scan.stderr).toContain('unknown field "minLenght"');
  });
});
