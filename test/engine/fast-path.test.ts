import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { factsSchemaFor } from "../../src/core/facts/index.js";
import { DEFAULT_PROFILE, profileDefaults } from "../../src/core/profile.js";
import { type CelAstNode, celEnvironment, compileCel } from "../../src/engine/cel.js";
import { typeOfFor } from "../../src/engine/fact-types.js";
import { compileNode } from "../../src/engine/fast-path.js";
import { type CompiledRule, loadRules } from "../../src/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../src/engine/paths.js";
import { testFileFor } from "../../src/engine/rule-tests.js";
import { readYamlSource } from "../../src/engine/yaml-source.js";
import { type Pools, randomFacts, seededRandom } from "../helpers/random-facts.js";

/** The outcome of an evaluation as a comparable value: the result, or the first line of the error. */
function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split("\n")[0] : String(error) };
  }
}

const deviceTypes = typeOfFor([factsSchemaFor("device") as z.ZodType]);
const ast = (expression: string) => celEnvironment().parse(expression).ast as unknown as CelAstNode;

function schemasOf(rule: CompiledRule): z.ZodType[] {
  return rule.resourceTypes.map((type) => factsSchemaFor(type) as z.ZodType);
}

function expressionsOf(rule: CompiledRule): string[] {
  return [rule.definition.when, rule.definition.assert].filter((e): e is string => !!e);
}

/** The literals of an expression, so random facts sometimes equal them and sometimes sit either side. */
function poolsFor(expression: string): Pools {
  const strings = new Set(["", "a", "none", "deny", "allow", "0.0.0.0/0", "Enabled", "Disabled", "true"]);
  const numbers = new Set([0, 1, 2, 5, 30, 90, 365, 1000, -1]);
  // Thresholds read from the profile: facts sometimes equal them and sometimes sit either side.
  for (const { default: value } of profileDefaults())
    if (typeof value === "number") for (const near of [value - 1, value, value + 1]) numbers.add(near);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const child of value) visit(child);
    else if (value && typeof value === "object" && "op" in value) {
      const node = value as CelAstNode;
      if (node.op === "value" && typeof node.args === "string") strings.add(node.args);
      else if (node.op === "value" && (typeof node.args === "bigint" || typeof node.args === "number")) {
        const n = Number(node.args);
        for (const near of [n - 1, n, n + 1]) numbers.add(near);
      } else visit(node.args);
    }
  };
  visit(ast(expression));
  return { strings: [...strings], numbers: [...numbers] };
}

function resourceWith(rule: CompiledRule, attributes: unknown) {
  return {
    uid: "u",
    type: rule.resourceTypes[0],
    name: "n",
    tags: {},
    attributes,
    sources: {},
    unreadable: {},
  };
}

describe("CEL fast path", () => {
  it("decides from the facts schema which expressions it compiles", () => {
    const compiles = (e: string) => compileNode(ast(e), deviceTypes) !== undefined;
    expect(
      compiles(
        "resource.attributes.firewall.enabled == true && !has(resource.attributes.firewall.backend) || size(resource.attributes.diskEncryption.volumes) > 0",
      ),
    ).toBe(true);
    expect(
      compiles("resource.attributes.firewall.ruleCount > 0 ? true : resource.attributes.firewall.enabled"),
    ).toBe(true);
    // Macros, timestamps, arithmetic, string ordering, functions and non-boolean results stay with cel-js.
    expect(compiles("resource.attributes.diskEncryption.volumes.all(v, v.encrypted)")).toBe(false);
    expect(compiles("now - timestamp(resource.attributes.patching.lastUpdate) <= duration('1h')")).toBe(
      false,
    );
    expect(compiles("resource.attributes.firewall.ruleCount + 1 == 2")).toBe(false);
    expect(compiles('resource.attributes.firewall.backend < "n"')).toBe(false);
    expect(compiles('isAnyAddress("0.0.0.0/0") && resource.attributes.firewall.enabled')).toBe(false);
    expect(compiles("resource.attributes.firewall.ruleCount")).toBe(false);
    // Values of different kinds, and nothing at all without facts types.
    expect(compiles('resource.attributes.firewall.ruleCount == "3"')).toBe(false);
    expect(compileNode(ast("resource.attributes.firewall.enabled == true"), undefined)).toBeUndefined();
  });

  it("follows CEL for absent keys: No such key, absorbed by && and || when the other side decides", () => {
    const fast = compileNode(
      ast("has(resource.attributes.firewall.backend) && resource.attributes.firewall.backend == 'nft'"),
      deviceTypes,
    );
    const absorbing = compileNode(
      ast("resource.attributes.firewall.backend == 'nft' && resource.attributes.firewall.enabled"),
      deviceTypes,
    );
    if (!fast || !absorbing) throw new Error("expected both to compile");
    const context = (firewall: Record<string, unknown>) => ({
      resource: { attributes: { firewall } },
      now: new Date(),
    });
    expect(fast(context({ enabled: true }) as never)).toBe(false);
    expect(absorbing(context({ enabled: false }) as never)).toBe(false);
    expect(outcome(() => absorbing(context({ enabled: true }) as never))).toEqual({
      error: "No such key: backend",
    });
  });

  it("gives exactly cel-js's result or error on every shipped rule's test cases and on random facts from the schemas", async () => {
    const { rules } = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
    const now = new Date("2026-06-01T00:00:00Z");
    const random = seededRandom(20261205);
    let compiled = 0;
    let compared = 0;
    let randomCompared = 0;
    for (const rule of rules) {
      const schemas = schemasOf(rule);
      const typeOf = typeOfFor(schemas);
      const file = testFileFor(rule);
      const fixtures = existsSync(file)
        ? (
            (await readYamlSource(file)).value as { cases: { resource: { attributes: unknown } }[] }
          ).cases.map((c) => c.resource.attributes)
        : [];
      for (const expression of expressionsOf(rule)) {
        const fast = compileNode(ast(expression), typeOf);
        if (!fast) continue;
        compiled += 1;
        const reference = celEnvironment().parse(expression);
        const pools = poolsFor(expression);
        const samples: unknown[] = [...fixtures];
        for (const schema of schemas) {
          for (let i = 0; i < 400; i++) {
            const attributes = randomFacts(schema, random, pools);
            // Only what the schema accepts reaches rules (the scan and rule tests validate facts first).
            if (schema.safeParse(attributes).success) samples.push(attributes);
          }
        }
        for (const [i, attributes] of samples.entries()) {
          const context = { resource: resourceWith(rule, attributes), now, profile: DEFAULT_PROFILE.values };
          expect(
            outcome(() => fast(context as never)),
            `${rule.definition.id}: ${expression} on ${JSON.stringify(attributes)}`,
          ).toEqual(outcome(() => reference(context)));
          compared += 1;
          if (i >= fixtures.length) randomCompared += 1;
        }
        // The engine uses the compiled function for this expression.
        expect(compileCel(expression, typeOf).evaluate).not.toBe(reference);
      }
    }
    expect(compiled).toBeGreaterThan(30);
    expect(randomCompared).toBeGreaterThan(10_000);
    expect(compared).toBeGreaterThan(randomCompared);
  });
});
