const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escape text for XML/HTML element content and double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/**
 * XML 1.0 forbids most control characters even when escaped; evidence values come from device commands and
 * cloud APIs, so drop them rather than write a document no parser accepts.
 */
export function xmlText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the characters XML 1.0 forbids
  return escapeXml(text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ""));
}

/**
 * Text for an XML attribute value. A parser turns a literal line break or tab inside an attribute into a
 * space (XML 1.0 attribute-value normalisation), so they are written as character references and a
 * multi-line message reaches the reader with its lines.
 */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/[\n\r\t]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A field starting with
 * = + - @ or a tab is prefixed with ' so spreadsheet programs do not run it as a formula (CSV injection):
 * resource names and tags are chosen by whoever owns the resource, not by us.
 */
export function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
