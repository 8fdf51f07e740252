import type { FastifyRequest } from "fastify";
import { sql } from "kysely";
import { z } from "zod";
import type { StoreContext } from "../../context.js";
import { parseInventory } from "../../inventory.js";
import { QueryText } from "../../query-text.js";
import { parseInput } from "../../validate.js";
import { html, queryString, type SafeHtml } from "../html.js";
import { distinctValues } from "../queries.js";

const PAGE_SIZE = 100;

const AssetsFilterSchema = z.strictObject({
  q: QueryText.pipe(z.string().max(200)).optional(),
  kind: z.enum(["device", "cloud", ""]).optional(),
  group: QueryText.optional(),
  agent: QueryText.optional(),
  failing: z.enum(["1", ""]).optional(),
  after: QueryText.optional(),
});

/** `%` and `_` typed in the search box are literal characters, not wildcards. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function assetsPage(ctx: StoreContext, request: FastifyRequest): Promise<SafeHtml> {
  const f = parseInput(AssetsFilterSchema, request.query, "query");
  const db = ctx.store.db;
  let q = db
    .selectFrom("assets as a")
    .leftJoin("agents as g", "g.id", "a.agent_id")
    .select([
      "a.uid",
      "a.type",
      "a.provider",
      "a.name",
      "a.account",
      "a.region",
      "a.agent_id",
      "a.last_seen_at",
      "a.inventory",
      "g.hostname",
      "g.group_name",
      "g.version",
    ])
    .orderBy("a.uid")
    .limit(PAGE_SIZE);
  if (f.q) {
    const pattern = likePattern(f.q);
    // Case-insensitive on both databases (SQLite's LIKE folds ASCII, PostgreSQL's does not), `\` escaping.
    const like = (column: "a.uid" | "a.name" | "a.inventory") =>
      sql<boolean>`lower(${sql.ref(column)}) like lower(${pattern}) escape '\\'`;
    q = q.where((eb) => eb.or([like("a.uid"), like("a.name"), like("a.inventory")]));
  }
  if (f.kind === "device") q = q.where("a.type", "=", "device");
  if (f.kind === "cloud") q = q.where("a.type", "!=", "device");
  if (f.group) q = q.where("g.group_name", "=", f.group);
  if (f.agent) q = q.where("a.agent_id", "=", f.agent);
  if (f.failing) {
    q = q.where("a.uid", "in", (eb) =>
      eb
        .selectFrom("current_state")
        .select("current_state.resource_uid")
        .where("current_state.status", "=", "fail"),
    );
  }
  if (f.after) q = q.where("a.uid", ">", f.after);
  const [rows, groups] = await Promise.all([q.execute(), distinctValues(ctx, ["agents", "group_name"])]);
  const failures = new Map<string, number>();
  if (rows.length > 0) {
    const counts = await db
      .selectFrom("current_state")
      .select(["resource_uid", (eb) => eb.fn.countAll().as("n")])
      .where(
        "resource_uid",
        "in",
        rows.map((r) => r.uid),
      )
      .where("status", "=", "fail")
      .groupBy("resource_uid")
      .execute();
    for (const c of counts) failures.set(c.resource_uid, Number(c.n));
  }
  const filters = { q: f.q, kind: f.kind, group: f.group, agent: f.agent, failing: f.failing };
  const next =
    rows.length === PAGE_SIZE ? `/assets${queryString({ ...filters, after: rows.at(-1)!.uid })}` : undefined;
  return html`<form class="filters" method="get" action="/assets" role="search" aria-label="Search assets">
<label>Search<input type="search" name="q" value="${f.q ?? ""}" placeholder="name, uid, model, serial"></label>
<label>Kind<select name="kind"><option value="">all</option>${(["device", "cloud"] as const).map(
    (k) => html`<option${f.kind === k ? html` selected` : html``}>${k}</option>`,
  )}</select></label>
<label>Group<select name="group"><option value="">any</option>${groups.map(
    (g) => html`<option${g === f.group ? html` selected` : html``}>${g}</option>`,
  )}</select></label>
<label><span>Only failing</span><input type="checkbox" name="failing" value="1"${f.failing ? html` checked` : html``}></label>
${f.agent ? html`<input type="hidden" name="agent" value="${f.agent}">` : html``}
<button type="submit">Search</button> <a href="/assets">Clear</a>
</form>
${
  rows.length === 0
    ? html`<p class="empty">No assets match.</p>`
    : html`<table class="assets"><thead><tr><th scope="col">Asset</th><th scope="col">Type</th><th scope="col">Where</th><th scope="col">Group</th><th scope="col">Agent version</th><th scope="col">OS</th><th scope="col">Model</th><th scope="col">Serial</th><th scope="col">Last seen</th><th scope="col">Open failures</th></tr></thead>
<tbody>${rows.map((r) => {
        const inv = parseInventory(r.inventory);
        const where =
          r.type === "device"
            ? (r.hostname ?? "")
            : [r.provider, r.account, r.region].filter(Boolean).join(" / ");
        const failing = failures.get(r.uid) ?? 0;
        return html`<tr><td><a href="/resource${queryString({ uid: r.uid })}">${r.name}</a><br><small>${r.uid}</small></td><td>${r.type}</td><td>${where}</td><td>${r.group_name ?? "–"}</td><td>${r.version ?? "–"}</td><td>${[inv.os, inv.osVersion].filter(Boolean).join(" ") || "–"}</td><td>${[inv.manufacturer, inv.model].filter(Boolean).join(" ") || "–"}</td><td>${inv.serial ?? "–"}</td><td><time datetime="${r.last_seen_at}">${r.last_seen_at.slice(0, 16).replace("T", " ")}</time></td><td class="${failing ? "bad" : ""}">${failing}</td></tr>`;
      })}</tbody></table>`
}
<nav class="pager" aria-label="Pages">${next ? html`<a href="${next}">Next page</a>` : html``}</nav>`;
}
