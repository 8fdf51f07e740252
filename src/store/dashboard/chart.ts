import { html, raw, type SafeHtml } from "./html.js";
import { type Counts, passRate } from "./queries.js";

const WIDTH = 720;
const HEIGHT = 180;
const LEFT = 40;
const BOTTOM = 24;

/**
 * The pass rate per day as an SVG drawn on the server: no chart library, no script, readable without
 * JavaScript and in print. Days with no evaluated finding leave a gap rather than pretending 0 % or 100 %.
 * A table with the same figures follows for screen readers and for copying.
 */
export function passRateChart(days: { day: string; counts: Counts }[]): SafeHtml {
  const plotW = WIDTH - LEFT - 8;
  const plotH = HEIGHT - BOTTOM - 8;
  const step = days.length > 1 ? plotW / (days.length - 1) : 0;
  const segments: string[] = [];
  let current: string[] = [];
  days.forEach((d, i) => {
    const rate = passRate(d.counts);
    if (rate === undefined) {
      if (current.length) segments.push(current.join(" "));
      current = [];
      return;
    }
    const x = LEFT + i * step;
    const y = 8 + (1 - rate) * plotH;
    current.push(`${current.length ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(" "));
  const grid = [0, 0.5, 1]
    .map((g) => {
      const y = (8 + (1 - g) * plotH).toFixed(1);
      return `<line x1="${LEFT}" x2="${WIDTH - 8}" y1="${y}" y2="${y}" class="grid"/><text x="${LEFT - 6}" y="${y}" class="axis" text-anchor="end" dominant-baseline="middle">${g * 100}%</text>`;
    })
    .join("");
  const first = days[0]?.day ?? "";
  const last = days.at(-1)?.day ?? "";
  const svg = `<svg class="trend" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="trend-title" xmlns="http://www.w3.org/2000/svg"><title id="trend-title">Pass rate per day, ${first} to ${last}</title>${grid}${segments.map((d) => `<path d="${d}" class="line"/>`).join("")}<text x="${LEFT}" y="${HEIGHT - 6}" class="axis">${first}</text><text x="${WIDTH - 8}" y="${HEIGHT - 6}" class="axis" text-anchor="end">${last}</text></svg>`;
  const rows = days
    .filter((d) => d.counts.pass + d.counts.fail + d.counts.error > 0)
    .map((d) => {
      const r = passRate(d.counts);
      return html`<tr><td>${d.day}</td><td>${r === undefined ? "–" : `${(r * 100).toFixed(1)}%`}</td><td>${d.counts.pass}</td><td>${d.counts.fail}</td><td>${d.counts.error}</td></tr>`;
    });
  return html`<figure class="chart">${raw(svg)}
<details><summary>Figures</summary><table><thead><tr><th scope="col">Day</th><th scope="col">Pass rate</th><th scope="col">Pass</th><th scope="col">Fail</th><th scope="col">Error</th></tr></thead><tbody>${rows}</tbody></table></details></figure>`;
}
