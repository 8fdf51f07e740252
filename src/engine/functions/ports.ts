import { describe } from "./cidr.js";

/**
 * Port ranges as the providers write them, for `portInRange` and `portRangesOverlap`:
 *
 * - AWS security group rules: `FromPort` / `ToPort` integers; `-1` on either side means every port (what AWS
 *   returns for `IpProtocol: "-1"` rules). For protocol `-1` AWS may omit the ports altogether: an absent
 *   field cannot be passed to a function in CEL, so the rule states that case with `has()`.
 * - Azure NSG rules: `destinationPortRange` `"*"`, `"22"` or `"1000-2000"`, and `destinationPortRanges` lists.
 * - GCP firewall rules: `allowed[].ports` strings `"22"` or `"1000-2000"`; an absent `ports` means every port,
 *   again stated in the rule with `has()`.
 *
 * A range is a number, a numeric string, `"a-b"`, `"*"` or `"all"` (any case), or a list of those. Anything
 * else raises an error naming the value.
 */
interface PortSpan {
  from: number;
  to: number;
}

const ALL_PORTS: PortSpan = { from: 0, to: 65535 };

function portNumber(functionName: string, value: unknown): number {
  const n =
    typeof value === "bigint"
      ? Number(value)
      : typeof value === "number"
        ? value
        : typeof value === "string" && /^\s*-?\d+\s*$/.test(value)
          ? Number(value)
          : Number.NaN;
  if (!Number.isInteger(n) || n < -1 || n > 65535)
    throw new Error(`${functionName}: ${describe(value)} is not a port number`);
  return n;
}

function spansOf(functionName: string, value: unknown): PortSpan[] {
  if (Array.isArray(value)) return value.flatMap((element) => spansOf(functionName, element));
  if (typeof value === "string") {
    const text = value.trim();
    if (text === "*" || text.toLowerCase() === "all") return [ALL_PORTS];
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
    if (range) return [span(functionName, range[1], range[2], value)];
  }
  const port = portNumber(functionName, value);
  return [port === -1 ? ALL_PORTS : { from: port, to: port }];
}

function span(functionName: string, fromValue: unknown, toValue: unknown, original: unknown): PortSpan {
  const from = portNumber(functionName, fromValue);
  const to = portNumber(functionName, toValue);
  if (from === -1 || to === -1) return ALL_PORTS;
  if (from > to) throw new Error(`${functionName}: ${describe(original)} is not a port range (from > to)`);
  return { from, to };
}

/** `portInRange(22, "20-25")`, `portInRange(22, ["80", "443"])`, `portInRange(22, "*")`. */
export function portInRange(port: unknown, range: unknown): boolean {
  const p = portNumber("portInRange", port);
  if (p === -1) throw new Error("portInRange: the port to look for must be 0-65535, got -1");
  return spansOf("portInRange", range).some((s) => s.from <= p && p <= s.to);
}

/** `portInRange(22, rule.FromPort, rule.ToPort)`, AWS style: `-1` on either side means every port. */
export function portInFromTo(port: unknown, from: unknown, to: unknown): boolean {
  const p = portNumber("portInRange", port);
  if (p === -1) throw new Error("portInRange: the port to look for must be 0-65535, got -1");
  const s = span("portInRange", from, to, `${describe(from)}-${describe(to)}`);
  return s.from <= p && p <= s.to;
}

/** Some port is in both ranges: `portRangesOverlap(rule.destinationPortRange, "0-1023")`. */
export function portRangesOverlap(left: unknown, right: unknown): boolean {
  const a = spansOf("portRangesOverlap", left);
  const b = spansOf("portRangesOverlap", right);
  return a.some((x) => b.some((y) => x.from <= y.to && y.from <= x.to));
}
