import { describe, expect, it } from "vitest";
import { durationToDays } from "../../../src/collectors/azure/durations.js";

describe("Key Vault rotation durations", () => {
  it.each([
    ["P90D", 90],
    ["P1Y", 365],
    ["P2M", 60],
    ["P1Y6M", 545],
    ["P2W", 14],
    ["PT12H", 0.5],
    ["p30d", 30],
  ])("%s is %d days", (value, days) => {
    expect(durationToDays(value)).toBe(days);
  });

  it.each([undefined, "", "P", "90D", "P1.5Y", "nonsense"])("%s is not a duration", (value) => {
    expect(durationToDays(value)).toBeUndefined();
  });
});
