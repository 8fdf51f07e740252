import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { loadConfig } from "../../src/core/config.js";
import { DiagnosticsError } from "../../src/core/errors.js";
import { factsSchemaFor } from "../../src/core/facts/index.js";
import {
  DEFAULT_PROFILE,
  DEFAULT_PROFILE_NAME,
  profileDefaults,
  resolveProfile,
} from "../../src/core/profile.js";
import { type CelAstNode, celEnvironment } from "../../src/engine/cel.js";
import { typeOfFor } from "../../src/engine/fact-types.js";
import { compileNode } from "../../src/engine/fast-path.js";
import { loadRules } from "../../src/engine/load.js";
import { makeRuleDir } from "../helpers/rule-dir.js";

/** The key names other rules are written against (never renamed; new keys may be added). */
const CONTRACT_KEYS = [
  "password.minLength",
  "password.maxAgeDays",
  "lockout.maxAttempts",
  "lockout.windowMinutes",
  "screenLock.maxIdleSeconds",
  "patching.windowDays",
  "malware.maxSignatureAgeHours",
  "keys.rotationDays",
  "keys.minRsaBits",
  "keys.minEcBits",
  "tls.minVersion",
  "credentials.maxAccessKeyAgeDays",
  "credentials.maxUnusedDays",
  "backup.minRetentionDays",
  "backup.maxAgeHours",
  "logs.minRetentionDays",
];

async function configFile(text: string): Promise<string> {
  const dir = await makeRuleDir({ "assay.yaml": text });
  return join(dir, "assay.yaml");
}

async function configProblem(text: string) {
  try {
    await loadConfig(await configFile(text), {});
  } catch (error) {
    if (error instanceof DiagnosticsError) return error;
    throw error;
  }
  throw new Error("expected the config to be refused");
}

describe("organisation profile", () => {
  it("has every contract key, each default naming its source", () => {
    const defaults = profileDefaults();
    expect(defaults.map((d) => d.key)).toEqual(expect.arrayContaining(CONTRACT_KEYS));
    for (const { key, source } of defaults) expect(source.length, key).toBeGreaterThan(20);
    // The disagreements of issue 12 resolved to one number each.
    expect(DEFAULT_PROFILE.values.password).toMatchObject({ minLength: 12, maxAgeDays: 365 });
    expect(DEFAULT_PROFILE.values.keys.rotationDays).toBe(365);
    expect(DEFAULT_PROFILE.values.patching.windowDays).toBe(14);
    expect(DEFAULT_PROFILE.name).toBe(DEFAULT_PROFILE_NAME);
    expect(DEFAULT_PROFILE.overridden).toEqual([]);
    expect(DEFAULT_PROFILE.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("merges a partial override over the defaults and records what was overridden", async () => {
    const { config } = await loadConfig(
      await configFile(
        "profile:\n  name: ACME 2026\n  password:\n    minLength: 14\n  keys:\n    rotationDays: 90\n",
      ),
      {},
    );
    const profile = resolveProfile(config.profile);
    expect(profile.name).toBe("ACME 2026");
    expect(profile.values.password).toEqual({ minLength: 14, maxAgeDays: 365, historyCount: 24 });
    expect(profile.values.keys).toEqual({ rotationDays: 90, minRsaBits: 2048, minEcBits: 256 });
    expect(profile.overridden).toEqual(["password.minLength", "keys.rotationDays"]);
    expect(profile.digest).not.toBe(DEFAULT_PROFILE.digest);
    // The same values give the same digest, whatever the name.
    expect(resolveProfile({ password: { minLength: 14 }, keys: { rotationDays: 90 } }).digest).toBe(
      profile.digest,
    );
  });

  it("refuses an unknown key or a wrong type, naming the field and its line", async () => {
    const unknown = await configProblem("scan:\n  failOn: high\nprofile:\n  password:\n    minLenght: 14\n");
    expect(unknown.code).toBe("CONFIG_INVALID");
    expect(unknown.diagnostics[0]).toMatchObject({ location: { line: 5 } });
    expect(unknown.diagnostics[0]?.message).toContain("minLenght");

    const section = await configProblem("profile:\n  pasword:\n    minLength: 14\n");
    expect(section.diagnostics[0]?.message).toContain("pasword");

    const wrongType = await configProblem('profile:\n  patching:\n    windowDays: "14"\n');
    expect(wrongType.diagnostics[0]).toMatchObject({
      field: "profile.patching.windowDays",
      location: { line: 3 },
    });

    const { config } = await loadConfig(await configFile("profile:\n  tls:\n    minVersion: 1.3\n"), {});
    expect(resolveProfile(config.profile).values.tls.minVersion).toBe("1.3");
    const tls = await configProblem('profile:\n  tls:\n    minVersion: "1.4"\n');
    expect(tls.diagnostics[0]).toMatchObject({ field: "profile.tls.minVersion" });
  });

  it("is type-checked in rules: an unknown profile key or a wrong kind is a lint error with its place", async () => {
    const rule = (assert: string) => `id: TST-001
title: Passwords are long enough
severity: low
resource: device
policy: password
assert: ${assert}
evidence: [password.minLength]
remediation: r
`;
    const lint = async (assert: string) => {
      const dir = await makeRuleDir({ "password/TST-001.yaml": rule(assert) });
      try {
        await loadRules({ dirs: [dir] });
        return [];
      } catch (error) {
        if (error instanceof DiagnosticsError) return error.diagnostics;
        throw error;
      }
    };
    const typo = await lint("resource.attributes.password.minLength >= profile.password.minLenght");
    expect(typo).toHaveLength(1);
    expect(typo[0]).toMatchObject({ code: "RULE_UNKNOWN_PROFILE_KEY", location: { line: 6, column: 51 } });
    expect(typo[0]?.message).toContain('"password.minLenght"');
    const kind = await lint('profile.password.minLength == "12"');
    expect(kind[0]).toMatchObject({ code: "RULE_CEL_TYPE" });
    expect(kind[0]?.message).toContain("profile.password.minLength");
    expect(await lint("resource.attributes.password.minLength >= profile.password.minLength")).toEqual([]);
  });

  it("is read by the fast path with cel-js's results", () => {
    const expression = "resource.attributes.password.minLength >= profile.password.minLength";
    const typeOf = typeOfFor([factsSchemaFor("device") as z.ZodType]);
    const ast = celEnvironment().parse(expression).ast as unknown as CelAstNode;
    const fast = compileNode(ast, typeOf);
    expect(fast).toBeDefined();
    const reference = celEnvironment().parse(expression);
    for (const minLength of [11, 12, 13, 14, 15]) {
      for (const profile of [DEFAULT_PROFILE, resolveProfile({ password: { minLength: 14 } })]) {
        const context = {
          resource: { attributes: { password: { minLength } } },
          now: new Date(0),
          profile: profile.values,
        };
        expect(fast?.(context)).toBe(reference(context));
        expect(fast?.(context)).toBe(minLength >= profile.values.password.minLength);
      }
    }
  });
});
