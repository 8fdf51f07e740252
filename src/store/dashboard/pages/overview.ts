import type { StoreContext } from "../../context.js";
import { passRateChart } from "../chart.js";
import { html, queryString, type SafeHtml } from "../html.js";
import { type Counts, dailyResults, latestDrift, passRate, posture, silentAgents } from "../queries.js";
import { driftTable } from "./drift-table.js";
import { expiringSoon } from "./exceptions.js";

const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"];

export function percent(c: Counts): string {
  const r = passRate(c);
  return r === undefined ? "–" : `${(r * 100).toFixed(1)}%`;
}

function countsTable(
  caption: string,
  heading: string,
  rows: [string, Counts][],
  link?: (key: string) => string,
): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">No results yet for ${caption.toLowerCase()}.</p>`;
  return html`<table class="counts"><caption>${caption}</caption>
<thead><tr><th scope="col">${heading}</th><th scope="col">Pass rate</th><th scope="col">Pass</th><th scope="col">Fail</th><th scope="col">Excepted</th><th scope="col">Error</th><th scope="col">Skip</th></tr></thead>
<tbody>${rows.map(
    ([key, c]) =>
      html`<tr><th scope="row">${link ? html`<a href="${link(key)}">${key}</a>` : key}</th><td>${percent(c)}</td><td>${c.pass}</td><td class="${c.fail ? "bad" : ""}">${c.fail}</td><td>${c.excepted}</td><td>${c.error}</td><td>${c.skip}</td></tr>`,
  )}</tbody></table>`;
}

export async function overviewPage(ctx: StoreContext): Promise<SafeHtml> {
  const [{ controls: byFramework, policy: byPolicy, severity: bySeverity }, days, silent, drift, expiring] =
    await Promise.all([
      posture(ctx),
      dailyResults(ctx, 90),
      silentAgents(ctx, 20),
      latestDrift(ctx, 10),
      expiringSoon(ctx, 30),
    ]);
  const sorted = (m: Map<string, Counts>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const severities = [...bySeverity.entries()].sort(
    ([a], [b]) => SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b),
  );
  return html`<section aria-labelledby="posture"><h2 id="posture">Posture now</h2>
<div class="grid">
${countsTable("By framework", "Framework", sorted(byFramework), (f) => `/controls${queryString({ framework: f })}`)}
${countsTable("By policy", "Policy", sorted(byPolicy), (p) => `/drift${queryString({ policy: p })}`)}
${countsTable("By severity", "Severity", severities, (s) => `/drift${queryString({ severity: s })}`)}
</div></section>
<section aria-labelledby="trend"><h2 id="trend">Pass rate, last 90 days</h2>${passRateChart(days)}</section>
<section aria-labelledby="silent"><h2 id="silent">Silent or stuck agents</h2>${
    silent.length === 0
      ? html`<p class="empty">Every agent has checked in within its window.</p>`
      : html`<table><thead><tr><th scope="col">Host</th><th scope="col">Group</th><th scope="col">Last seen</th><th scope="col">Silent since</th><th scope="col">Stuck since</th></tr></thead><tbody>${silent.map(
          (a) =>
            html`<tr><td><a href="/assets${queryString({ agent: a.id })}">${a.hostname}</a></td><td>${a.group_name}</td><td><time>${a.last_seen_at}</time></td><td>${a.silent_since ?? "–"}</td><td>${a.stuck_since ?? "–"}</td></tr>`,
        )}</tbody></table>`
  }</section>
<section aria-labelledby="expiring"><h2 id="expiring">Exceptions expiring within 30 days</h2>${
    expiring.length === 0
      ? html`<p class="empty">None.</p>`
      : html`<table><thead><tr><th scope="col">Expires</th><th scope="col">Rule</th><th scope="col">Resources</th><th scope="col">Owner</th></tr></thead><tbody>${expiring.map(
          (e) =>
            html`<tr><td>${e.expires}</td><td>${e.rule_id}</td><td>${e.resource ?? "all"}</td><td>${e.owner}</td></tr>`,
        )}</tbody></table>`
  }<p><a href="/exceptions">All exceptions</a></p></section>
<section aria-labelledby="latest"><h2 id="latest">Latest drift</h2>${driftTable(drift)}<p><a href="/drift">All drift events</a></p></section>`;
}
