import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { Role, StoreContext } from "../../context.js";
import type { StoreExceptionsTable } from "../../db/schema.js";
import { type ExceptionStatus, exceptionStatus } from "../../exceptions.js";
import { parseInput } from "../../validate.js";
import { html, queryString, type SafeHtml } from "../html.js";
import { csrfField, type PageContext } from "../layout.js";
import { distinctValues } from "../queries.js";

const STATUSES: readonly ExceptionStatus[] = ["pending", "approved", "expired", "revoked"];
const ExceptionsQuery = z.strictObject({
  status: z.enum(["pending", "approved", "expired", "revoked", ""]).optional(),
});
export const ExceptionIdForm = z.strictObject({
  _csrf: z.string(),
  id: z.string().regex(/^[0-9A-Z]{26}$/, "must be a ULID"),
});
const WRITERS: readonly Role[] = ["admin", "lead"];

/** Names for the actors recorded on exceptions (`token:<id>` → the token's name). */
async function actorNames(
  ctx: StoreContext,
  rows: readonly StoreExceptionsTable[],
): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const r of rows)
    for (const a of [r.requested_by, r.approved_by, r.revoked_by])
      if (a?.startsWith("token:")) ids.add(a.slice(6));
  const names = new Map<string, string>();
  if (ids.size === 0) return names;
  const tokens = await ctx.store.db
    .selectFrom("api_tokens")
    .select(["id", "name"])
    .where("id", "in", [...ids])
    .execute();
  for (const t of tokens) names.set(`token:${t.id}`, t.name);
  return names;
}

export async function exceptionsPage(
  ctx: StoreContext,
  request: FastifyRequest,
  page: PageContext,
  actor: string,
  notice?: string,
): Promise<SafeHtml> {
  const q = parseInput(ExceptionsQuery, request.method === "GET" ? request.query : {}, "query");
  const now = ctx.now();
  const [rows, rules] = await Promise.all([
    ctx.store.db
      .selectFrom("store_exceptions")
      .selectAll()
      .orderBy("requested_at", "desc")
      .limit(1000)
      .execute(),
    distinctValues(ctx, ["current_state", "rule_id"]),
  ]);
  const listed = rows.filter((r) => !q.status || exceptionStatus(r, now) === q.status);
  const names = await actorNames(ctx, rows);
  const who = (a: string | null) => (a ? (names.get(a) ?? a) : "–");
  const canWrite = page.session !== null && WRITERS.includes(page.session.role);
  const action = (r: StoreExceptionsTable): SafeHtml => {
    if (!canWrite) return html``;
    const status = exceptionStatus(r, now);
    const approve =
      status === "pending" && r.requested_by !== actor
        ? html`<form method="post" action="/exceptions/approve">${csrfField(page)}<input type="hidden" name="id" value="${r.id}"><button type="submit" aria-label="${`Approve exception for ${r.rule_id}`}">Approve</button></form>`
        : html``;
    const revoke =
      status === "pending" || status === "approved"
        ? html`<form method="post" action="/exceptions/revoke">${csrfField(page)}<input type="hidden" name="id" value="${r.id}"><button type="submit" aria-label="${`Revoke exception for ${r.rule_id}`}">Revoke</button></form>`
        : html``;
    return html`${approve}${revoke}`;
  };
  return html`${notice ? html`<p class="ok" role="status">${notice}</p>` : html``}
<p>Accepted risks held by the store. A lead or admin requests one, a different lead or admin approves it; only an approved exception applies (a failure it covers counts as excepted and raises no alert) and only until its expiry date. Every change is a ledger entry. Exceptions files given to <code>assay scan --exceptions</code> keep working for the CLI.</p>
<form class="filters" method="get" action="/exceptions" aria-label="Filter exceptions"><label>Status<select name="status"><option value="">any</option>${STATUSES.map(
    (s) => html`<option${q.status === s ? html` selected` : html``}>${s}</option>`,
  )}</select></label><button type="submit">Filter</button></form>
${
  listed.length === 0
    ? html`<p class="empty">No exceptions${q.status ? ` ${q.status}` : ""}.</p>`
    : html`<table class="exceptions"><thead><tr><th scope="col">Rule</th><th scope="col">Resources</th><th scope="col">Owner</th><th scope="col">Reason</th><th scope="col">Expires</th><th scope="col">Requested</th><th scope="col">Approved</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${listed.map(
        (r) =>
          html`<tr><td>${r.rule_id}</td><td>${r.resource ?? "all"}</td><td>${r.owner}</td><td class="message">${r.reason}</td><td>${r.expires}</td><td>${who(r.requested_by)}<br><small>${r.requested_at.slice(0, 10)}</small></td><td>${r.approved_by ? html`${who(r.approved_by)}<br><small>${r.approved_at?.slice(0, 10)}</small>` : "–"}</td><td><span class="status">${exceptionStatus(r, now)}</span>${r.revoked_by ? html`<br><small>by ${who(r.revoked_by)}</small>` : html``}</td><td>${action(r)}</td></tr>`,
      )}</tbody></table>`
}
${
  canWrite
    ? html`<h2>Request an exception</h2>
<form method="post" action="/exceptions" class="stack">${csrfField(page)}
<label>Rule<input name="ruleId" required list="rule-ids" pattern="[A-Z0-9][A-Z0-9\\-]{1,63}"></label>
<datalist id="rule-ids">${rules.map((r) => html`<option value="${r}"></option>`)}</datalist>
<label>Resources (uid or name, * as wildcard; empty = all)<input name="resource" maxlength="1024"></label>
<label>Owner of the risk<input name="owner" required maxlength="200"></label>
<label>Reason<textarea name="reason" required maxlength="2000" rows="3"></textarea></label>
<label>Expires (inclusive, at most a year)<input type="date" name="expires" required></label>
<button type="submit">Request</button>
</form>`
    : html``
}
<p><a href="${`/exceptions${queryString({ status: "pending" })}`}">Pending approval</a></p>`;
}

/** Approved exceptions whose expiry falls within `days` days, soonest first (the overview lists them). */
export async function expiringSoon(ctx: StoreContext, days: number) {
  const now = ctx.now();
  const until = new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
  const rows = await ctx.store.db
    .selectFrom("store_exceptions")
    .selectAll()
    .where("approved_at", "is not", null)
    .where("revoked_at", "is", null)
    .where("expires", ">=", now.toISOString().slice(0, 10))
    .where("expires", "<=", until)
    .orderBy("expires")
    .limit(50)
    .execute();
  return rows;
}
