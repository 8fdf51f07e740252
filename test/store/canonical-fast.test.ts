import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/canonical.js";
import { fastCanonicalJson } from "../../src/store/canonical-fast.js";
import { canonicalForms } from "../../src/store/prepare.js";
import { buildReport, realisticFindings } from "./fixtures.js";

describe("fast canonical JSON", () => {
  const samples: unknown[] = [
    null,
    0,
    -1.5e-7,
    'é\u2028"\\',
    [1, undefined, { b: 1, a: [] }],
    { "": 1, Z: 2, a: 3, é: 4, "\u{1F600}": 5, "\uFFFF": 6, A: undefined },
    { date: new Date("2026-01-01T00:00:00Z"), big: 12n, nested: { z: { y: { x: [true, false, null] } } } },
    buildReport({ agentId: "01JAAAAAAAAAAAAAAAAAAAAAAA" }, realisticFindings("canon")),
  ];
  it.each(samples.map((value, i) => ({ i, value })))(
    "matches the core serialiser byte for byte (sample $i)",
    ({ value }) => {
      expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
    },
  );

  it("gives the signed form and the stored form of a report in one pass", () => {
    const report = {
      ...buildReport({ agentId: "01JAAAAAAAAAAAAAAAAAAAAAAA" }, realisticFindings("forms")),
      signature: { algorithm: "ed25519", keyId: "k", value: "v" },
    };
    const { signature: _s, ...unsigned } = report;
    expect(canonicalForms(report)).toEqual({
      unsigned: canonicalJson(unsigned),
      full: canonicalJson(report),
    });
  });

  it("refuses values canonical JSON cannot hold", () => {
    expect(() => fastCanonicalJson({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => fastCanonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});
