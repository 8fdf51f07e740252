/**
 * IPv4 and IPv6 address ranges for rules: `cidrContains`, `cidrOverlaps`, `isAnyAddress`. Collectors report the
 * address prefixes a provider returned (AWS `CidrIp` / `CidrIpv6`, Azure `sourceAddressPrefix(es)`, GCP
 * `sourceRanges`) and the rule decides what "open to the world" means.
 *
 * A prefix with host bits set (`10.0.0.1/8`) is read as its network, as AWS, Azure and GCP do. A bare address
 * is a single-address range (`/32`, `/128`). Text that is not an address or prefix raises an error that names
 * it, so the finding is `error` with that reason instead of a quiet `false`.
 */
export interface AddressRange {
  family: 4 | 6;
  /** First address of the range. */
  first: bigint;
  /** Last address of the range. */
  last: bigint;
  prefixLength: number;
}

const IPV4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!IPV4_OCTET.test(part)) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (const [i, piece] of pieces.entries()) {
      // An embedded IPv4 address (`::ffff:192.0.2.1`) may only be the last piece and counts as two groups.
      if (piece.includes(".") && i === pieces.length - 1) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) out.push(Number.parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<number>(missing).fill(0), ...tail])
    value = (value << 16n) | BigInt(group);
  return value;
}

/** Parse an address or CIDR prefix; undefined when the text is neither. */
export function parseAddressRange(text: string): AddressRange | undefined {
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const lengthText = slash < 0 ? undefined : text.slice(slash + 1);
  const v4 = parseIpv4(address);
  const family = v4 !== undefined ? 4 : 6;
  const value = v4 ?? parseIpv6(address);
  if (value === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (lengthText !== undefined && !/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefixLength = lengthText === undefined ? bits : Number(lengthText);
  if (prefixLength > bits) return undefined;
  const hostBits = BigInt(bits - prefixLength);
  const hostMask = (1n << hostBits) - 1n;
  const first = value & ~hostMask;
  return { family, first, last: first | hostMask, prefixLength };
}

function rangeOf(functionName: string, value: unknown): AddressRange {
  if (typeof value !== "string")
    throw new Error(`${functionName}: expected an address or CIDR string, got ${describe(value)}`);
  const range = parseAddressRange(value.trim());
  if (!range) throw new Error(`${functionName}: "${value}" is not an IPv4 or IPv6 address or CIDR prefix`);
  return range;
}

/** Every address of `inner` is in `outer` (both the same family; different families never contain). */
export function cidrContains(outer: unknown, inner: unknown): boolean {
  const a = rangeOf("cidrContains", outer);
  const b = rangeOf("cidrContains", inner);
  return a.family === b.family && a.first <= b.first && b.last <= a.last;
}

/** The two ranges share at least one address. */
export function cidrOverlaps(left: unknown, right: unknown): boolean {
  const a = rangeOf("cidrOverlaps", left);
  const b = rangeOf("cidrOverlaps", right);
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/**
 * Any address at all: a `/0` prefix of either family (`0.0.0.0/0`, `::/0`) or Azure's `*`. A name that is not
 * an address (an Azure service tag such as `Internet` or `VirtualNetwork`) is not a range, so it is `false` here
 * and a rule that treats a tag as open says so itself. Anything else that does not parse is an error.
 */
export function isAnyAddress(value: unknown): boolean {
  if (value === "*") return true;
  if (
    typeof value === "string" &&
    /^[A-Za-z][A-Za-z0-9_.-]*$/.test(value) &&
    !/^[0-9a-fA-F]{1,4}$/.test(value)
  )
    return false;
  return rangeOf("isAnyAddress", value).prefixLength === 0;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object") return "a map";
  return JSON.stringify(value);
}
