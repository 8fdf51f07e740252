import { escapeXml } from "./escape.js";

export interface ChartRow {
  label: string;
  pass: number;
  excepted: number;
  fail: number;
  error: number;
}

export const OUTCOME_COLOURS = {
  pass: "#2e7d32",
  excepted: "#f9a825",
  fail: "#c62828",
  error: "#6d4c41",
  skip: "#9e9e9e",
} as const;

const WIDTH = 760;
const LABEL = 230;
const RATE = 130;
const BAR = WIDTH - LABEL - RATE;
const ROW = 24;

/** Share of evaluated findings that pass; skips are not evaluated, excepted failures are not passes. */
export function passRate(row: ChartRow): number | undefined {
  const total = row.pass + row.excepted + row.fail + row.error;
  return total === 0 ? undefined : row.pass / total;
}

/**
 * A horizontal stacked bar per row (pass, excepted, fail, error) with the pass rate and its counts ("83% (25 of
 * 30)": a percentage alone hides whether it rests on 3 findings or 3,000) printed at the end, as
 * inline SVG: no script, no font or image fetched, prints as vectors.
 */
export function stackedBarChart(
  id: string,
  caption: string,
  groups: { heading: string; rows: ChartRow[] }[],
): string {
  const lines = groups.reduce((n, g) => n + g.rows.length + 1, 0);
  const height = lines * ROW + 34;
  const out: string[] = [
    `<svg id="${id}" class="chart" role="img" aria-labelledby="${id}-title" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-title">${escapeXml(caption)}</title>`,
  ];
  let y = 0;
  for (const group of groups) {
    out.push(`<text x="0" y="${y + 16}" class="chart-heading">${escapeXml(group.heading)}</text>`);
    y += ROW;
    for (const row of group.rows) {
      const total = row.pass + row.excepted + row.fail + row.error;
      const label = row.label.length > 34 ? `${row.label.slice(0, 33)}…` : row.label;
      out.push(`<g class="bar" data-label="${escapeXml(row.label)}">`);
      out.push(
        `<title>${escapeXml(`${row.label}: ${row.pass} pass, ${row.excepted} excepted, ${row.fail} fail, ${row.error} error`)}</title>`,
      );
      out.push(
        `<text x="${LABEL - 8}" y="${y + 16}" text-anchor="end" class="chart-label">${escapeXml(label)}</text>`,
      );
      out.push(`<rect x="${LABEL}" y="${y + 4}" width="${BAR}" height="${ROW - 8}" fill="#eceff1"/>`);
      let x = LABEL;
      for (const part of ["pass", "excepted", "fail", "error"] as const) {
        const value = row[part];
        if (value === 0 || total === 0) continue;
        const w = (value / total) * BAR;
        out.push(
          `<rect x="${x.toFixed(2)}" y="${y + 4}" width="${w.toFixed(2)}" height="${ROW - 8}" fill="${OUTCOME_COLOURS[part]}" class="seg-${part}"/>`,
        );
        x += w;
      }
      const rate = passRate(row);
      out.push(
        `<text x="${WIDTH - 4}" y="${y + 16}" text-anchor="end" class="chart-rate">${rate === undefined ? "n/a" : `${Math.round(rate * 100)}% (${row.pass} of ${total})`}</text>`,
      );
      out.push("</g>");
      y += ROW;
    }
  }
  // Legend.
  let lx = LABEL;
  for (const part of ["pass", "excepted", "fail", "error"] as const) {
    out.push(`<rect x="${lx}" y="${y + 12}" width="12" height="12" fill="${OUTCOME_COLOURS[part]}"/>`);
    out.push(`<text x="${lx + 16}" y="${y + 22}" class="chart-legend">${part}</text>`);
    lx += 90;
  }
  out.push(`<text x="${WIDTH - 4}" y="${y + 22}" text-anchor="end" class="chart-legend">pass rate</text>`);
  out.push("</svg>");
  return out.join("");
}
