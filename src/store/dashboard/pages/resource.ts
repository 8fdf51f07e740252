import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { EvidenceValue } from "../../../core/finding.js";
import type { StoreContext } from "../../context.js";
import { activeExceptions, exceptionFor } from "../../exceptions.js";
import { HttpError } from "../../http-error.js";
import { parseInventory } from "../../inventory.js";
import { QueryText } from "../../query-text.js";
import { parseInput } from "../../validate.js";
import { html, queryString, type SafeHtml } from "../html.js";

const ResourceQuery = z.strictObject({ uid: QueryText.pipe(z.string().min(1).max(1024)) });

/** Evidence values can be any JSON; lists mark the elements that decided a failure. */
function evidenceValue(e: EvidenceValue): SafeHtml {
  // Unreadable (the collector says why) is not the same as absent (read, and the resource has no such fact).
  if (e.unreadable !== undefined) return html`<em>not read</em>: ${e.unreadable}`;
  if (e.value === undefined) return html`<em>absent</em>`;
  if (Array.isArray(e.value)) {
    const offending = new Set(e.offending ?? []);
    return html`<ol start="0">${e.value.map(
      (v, i) =>
        html`<li${offending.has(i) ? html` class="offending"` : html``}>${offending.has(i) ? html`<strong>offending: </strong>` : html``}<code>${JSON.stringify(v)}</code></li>`,
    )}</ol>`;
  }
  return html`<code>${typeof e.value === "string" ? e.value : JSON.stringify(e.value)}</code>`;
}

export async function resourcePage(
  ctx: StoreContext,
  request: FastifyRequest,
): Promise<{ title: string; body: SafeHtml }> {
  const { uid } = parseInput(ResourceQuery, request.query, "query");
  const db = ctx.store.db;
  const asset = await db
    .selectFrom("assets as a")
    .leftJoin("agents as g", "g.id", "a.agent_id")
    .select([
      "a.uid",
      "a.type",
      "a.provider",
      "a.name",
      "a.account",
      "a.region",
      "a.first_seen_at",
      "a.last_seen_at",
      "a.report_id",
      "a.inventory",
      "a.agent_id",
      "g.hostname",
      "g.group_name",
      "g.version",
    ])
    .where("a.uid", "=", uid)
    .executeTakeFirst();
  if (!asset) throw new HttpError(404, "STORE_NOT_FOUND", `No asset ${uid} has been reported.`);
  const [state, findings, timeline, active] = await Promise.all([
    db.selectFrom("current_state").selectAll().where("resource_uid", "=", uid).orderBy("rule_id").execute(),
    db
      .selectFrom("findings")
      .select([
        "rule_id",
        "status",
        "severity",
        "message",
        "evidence",
        "exception",
        "observed_at",
        "report_id",
        "ledger_seq",
      ])
      .where("report_id", "=", asset.report_id)
      .where("resource_uid", "=", uid)
      .execute(),
    db
      .selectFrom("drift_events")
      .select(["id", "at", "type", "rule_id", "from_status", "to_status", "message", "ledger_seq"])
      .where("resource_uid", "=", uid)
      .orderBy("id", "desc")
      .limit(500)
      .execute(),
    activeExceptions(db, ctx.now()),
  ]);
  const latest = new Map(findings.map((f) => [f.rule_id, f]));
  const byRule = new Map<string, typeof timeline>();
  for (const e of timeline) {
    const key = e.rule_id ?? "";
    byRule.set(key, [...(byRule.get(key) ?? []), e]);
  }
  const inv = parseInventory(asset.inventory);
  const facts: [string, string | null | undefined][] = [
    ["Uid", asset.uid],
    ["Type", asset.type],
    ["Provider", asset.provider],
    ["Account", asset.account],
    ["Region", asset.region],
    ["Agent", asset.hostname ? `${asset.hostname} (${asset.agent_id})` : asset.agent_id],
    ["Group", asset.group_name],
    ["Agent version", asset.version],
    ["OS", [inv.os, inv.osVersion].filter(Boolean).join(" ") || undefined],
    ["Kernel", inv.kernel],
    ["Model", [inv.manufacturer, inv.model].filter(Boolean).join(" ") || undefined],
    ["Serial", inv.serial],
    ["First seen", asset.first_seen_at],
    ["Last seen", asset.last_seen_at],
  ];
  const body = html`<dl class="facts">${facts
    .filter(([, v]) => v)
    .map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
<h2>Findings</h2>
${
  state.length === 0
    ? html`<p class="empty">No rule has a result for this resource.</p>`
    : state.map((s) => {
        const f = latest.get(s.rule_id);
        const evidence = f ? (JSON.parse(f.evidence) as Record<string, EvidenceValue>) : {};
        const exception = f?.exception
          ? (JSON.parse(f.exception) as { owner: string; reason: string; expires: string })
          : undefined;
        const events = byRule.get(s.rule_id) ?? [];
        return html`<section class="finding" id="${`rule-${s.rule_id}`}" aria-labelledby="${`h-${s.rule_id}`}">
<h3 id="${`h-${s.rule_id}`}">${s.rule_id} <span class="status ${s.status}">${s.status}</span> <span class="sev ${s.severity}">${s.severity}</span></h3>
<p>${f?.message ?? ""}</p>
<p>Since <time datetime="${s.since}">${s.since}</time> · policy ${s.policy} · ledger entry ${Number(s.ledger_seq)}</p>
${exception ? html`<p class="exception">Excepted in the scan by ${exception.owner} until ${exception.expires}: ${exception.reason}</p>` : html``}
${(() => {
  const e = s.status === "fail" ? exceptionFor(active, s.rule_id, uid, asset.name) : undefined;
  return e
    ? html`<p class="exception">Accepted risk: ${e.owner} until ${e.expires}, approved by ${e.approved_by ?? "–"}: ${e.reason} (<a href="/exceptions">exception ${e.id}</a>)</p>`
    : html``;
})()}
${
  Object.keys(evidence).length
    ? html`<table class="evidence"><caption>Evidence</caption><thead><tr><th scope="col">Fact</th><th scope="col">Value</th><th scope="col">Source</th></tr></thead><tbody>${Object.entries(
        evidence,
      ).map(
        ([path, e]) =>
          html`<tr><th scope="row">${path}</th><td>${evidenceValue(e)}</td><td>${e.source ?? "–"}</td></tr>`,
      )}</tbody></table>`
    : html``
}
<h4>Timeline</h4>
${
  events.length === 0
    ? html`<p class="empty">Unchanged since it was first reported.</p>`
    : html`<ol class="timeline">${events.map(
        (e) =>
          html`<li><time datetime="${e.at}">${e.at.slice(0, 19).replace("T", " ")}</time> <span class="event ${e.type}">${e.type}</span> ${e.from_status ?? "–"} → ${e.to_status ?? "–"} <small>${e.message}</small></li>`,
      )}</ol>`
}
</section>`;
      })
}
<p><a href="/drift${queryString({ resource: uid })}">Drift events for this resource</a></p>`;
  return { title: asset.name, body };
}
