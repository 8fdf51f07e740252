import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { celEnvironment, compileCel } from "../../src/engine/cel.js";
import { compileNode } from "../../src/engine/fast-path.js";
import { loadRules } from "../../src/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../src/engine/paths.js";
import { testFileFor } from "../../src/engine/rule-tests.js";
import { readYamlSource } from "../../src/engine/yaml-source.js";

/** The outcome of an evaluation as a comparable value: the result, or the error message. */
function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split("\n")[0] : String(error) };
  }
}

/** Variations of a fixture's facts that push the fast path off its happy path. */
function* variants(attributes: Record<string, unknown>): Generator<Record<string, unknown>> {
  yield attributes;
  const swaps: unknown[] = [null, "1", 1, 0, 2.5, true, false, [], {}, [1, 2], "none", -1];
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
    if (path.length) paths.push(path);
  };
  walk(attributes, []);
  for (const path of paths) {
    const without = structuredClone(attributes);
    let parent: Record<string, unknown> = without;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string, unknown>;
    const last = path[path.length - 1] as string;
    delete parent[last];
    yield without;
    for (const swap of swaps) {
      const changed = structuredClone(without);
      let p: Record<string, unknown> = changed;
      for (const step of path.slice(0, -1)) p = p[step] as Record<string, unknown>;
      p[last] = swap;
      yield changed;
    }
  }
}

describe("CEL fast path", () => {
  it("compiles the common subset and leaves the rest to cel-js", () => {
    const env = celEnvironment();
    const ast = (e: string) => env.parse(e).ast as never;
    expect(
      compileNode(
        ast("resource.attributes.a.b == 1 && !has(resource.attributes.c) || size(resource.attributes.l) > 0"),
      ),
    ).toBeDefined();
    expect(compileNode(ast("resource.attributes.l.all(x, x > 1)"))).toBeUndefined();
    expect(compileNode(ast("now - timestamp(resource.attributes.t) <= duration('1h')"))).toBeUndefined();
    expect(compileNode(ast("resource.attributes.a + 1 == 2"))).toBeUndefined();
  });

  it("gives exactly cel-js's result or error for every shipped rule on every fixture and thousands of variants", async () => {
    const { rules } = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
    const now = new Date("2026-06-01T00:00:00Z");
    let compared = 0;
    for (const rule of rules) {
      const file = testFileFor(rule);
      if (!existsSync(file)) continue;
      const spec = (await readYamlSource(file)).value as {
        cases: { resource: { attributes: Record<string, unknown> } }[];
      };
      for (const expression of [rule.definition.when, rule.definition.assert].filter(
        (e): e is string => !!e,
      )) {
        const reference = celEnvironment().parse(expression);
        const fast = compileCel(expression).evaluate;
        for (const testCase of spec.cases) {
          for (const attributes of variants(testCase.resource.attributes)) {
            const resource = {
              uid: "u",
              type: rule.resourceTypes[0],
              name: "n",
              tags: {},
              attributes,
              sources: {},
              unreadable: {},
            };
            const context = { resource, now };
            expect(
              outcome(() => fast(context as never)),
              `${rule.definition.id}: ${expression} on ${JSON.stringify(attributes)}`,
            ).toEqual(outcome(() => reference(context)));
            compared += 1;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(5_000);
  });
});
