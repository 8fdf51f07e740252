import type { DriftEventsTable } from "../../db/schema.js";
import { html, queryString, type SafeHtml } from "../html.js";

type DriftRow = Omit<DriftEventsTable, "id"> & { id: number | string | bigint };

/** One row per drift event; the resource links to its page, the report to its ledger entry. */
export function driftTable(events: readonly DriftRow[]): SafeHtml {
  if (events.length === 0) return html`<p class="empty">No drift events.</p>`;
  return html`<table class="drift"><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Severity</th><th scope="col">Resource</th><th scope="col">Rule</th><th scope="col">Message</th></tr></thead>
<tbody>${events.map((e) => driftRow(e))}</tbody></table>`;
}

export function driftRow(e: DriftRow): SafeHtml {
  return html`<tr data-id="${String(e.id)}"><td><time datetime="${e.at}">${e.at.replace("T", " ").slice(0, 19)}</time></td><td><span class="event ${e.type}">${e.type}</span></td><td><span class="sev ${e.severity}">${e.severity}</span></td><td>${
    e.resource_uid
      ? html`<a href="/resource${queryString({ uid: e.resource_uid })}">${e.resource_uid}</a>`
      : html`<a href="/assets${queryString({ agent: e.agent_id })}">agent ${e.agent_id}</a>`
  }</td><td>${e.rule_id ?? "–"}</td><td class="message">${e.message}</td></tr>`;
}
