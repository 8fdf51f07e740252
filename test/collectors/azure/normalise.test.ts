import { describe, expect, it } from "vitest";
import { durationToDays } from "../../../src/collectors/azure/durations.js";
import { openToInternet } from "../../../src/collectors/azure/network.js";

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

describe("NSG exposure", () => {
  const rule = (priority: number, access: string, source: string, ports: string[], protocol = "Tcp") => ({
    name: `r${priority}`,
    priority,
    access,
    protocol,
    sources: [source],
    ports,
  });

  it("takes the first matching rule by priority", () => {
    expect(openToInternet([rule(100, "Deny", "*", ["22"]), rule(200, "Allow", "*", ["22"])], 22)).toBe(false);
    expect(
      openToInternet([rule(100, "Allow", "Internet", ["20-30"]), rule(200, "Deny", "*", ["*"])], 22),
    ).toBe(true);
  });

  it("ignores rules that do not match internet TCP traffic to the port", () => {
    expect(openToInternet([rule(100, "Allow", "10.0.0.0/8", ["22"])], 22)).toBe(false);
    expect(openToInternet([rule(100, "Allow", "*", ["22"], "Udp")], 22)).toBe(false);
    expect(openToInternet([rule(100, "Allow", "*", ["2222"])], 22)).toBe(false);
    expect(openToInternet([rule(100, "Allow", "0.0.0.0/0", ["*"], "*")], 3389)).toBe(true);
  });
});
