import { escapeXml } from "../../formats/escape.js";

/**
 * HTML that is already safe to send. Only `html` templates and `raw` make one, so a value read from the
 * database (a finding message, a hostname, a tag) can only ever reach a page escaped.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeXml(String(value));
}

/** A template whose interpolations are escaped unless they are `SafeHtml` (nested templates, `raw`). */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Markup written by us (never by a user): an SVG drawn on the server, a constant. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A query string from defined, non-empty values, for links that keep the current filters. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : "";
}
