/**
 * A tiny XML writer for the emulator's replies. Values are escaped; a plain array becomes `<member>` items
 * (the Query protocol's default), and list(name, items) picks another item name (`<Bucket>`, EC2's `<item>`).
 */
export type XmlValue = string | number | boolean | null | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

const LIST_MARKER = "__list";

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A list whose items use a given element name (`<Buckets><Bucket>…</Bucket></Buckets>`, EC2's `<item>`). */
export function list(itemName: string, items: XmlValue[]): XmlNode {
  return { [LIST_MARKER]: items.map((v) => ({ [itemName]: v })) };
}

/** `{ A: "x", B: { C: 1 } }` → `<A>x</A><B><C>1</C></B>`; undefined and null are left out. */
export function xml(node: XmlNode): string {
  let out = "";
  for (const [name, value] of Object.entries(node)) out += element(name, value);
  return out;
}

function element(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return `<${name}>${value.map((v) => element("member", v)).join("")}</${name}>`;
  if (typeof value === "object") {
    const items = value[LIST_MARKER];
    if (Array.isArray(items))
      return `<${name}>${items.map((item) => xml(item as XmlNode)).join("")}</${name}>`;
    return `<${name}>${xml(value)}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
