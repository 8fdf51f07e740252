import { z } from "zod";
import { ROLES, type StoreContext } from "../../context.js";
import { html, type SafeHtml } from "../html.js";
import { csrfField, type PageContext } from "../layout.js";

export const CreateTokenForm = z.strictObject({
  _csrf: z.string(),
  name: z.string().trim().min(1, "Give the token a name (whose it is).").max(100),
  role: z.enum(ROLES),
});
export const IdForm = z.strictObject({
  _csrf: z.string(),
  id: z.string().regex(/^[0-9A-Z]{26}$/, "must be a ULID"),
});

/** Tokens, agents and enrolment. `created` is a token just issued: shown once, here, never again. */
export async function adminPage(
  ctx: StoreContext,
  page: PageContext,
  notice?: { created?: { name: string; role: string; token: string }; message?: string },
): Promise<SafeHtml> {
  const db = ctx.store.db;
  const [tokens, agents] = await Promise.all([
    db
      .selectFrom("api_tokens")
      .select(["id", "name", "role", "created_at", "revoked_at"])
      .orderBy("created_at", "desc")
      .execute(),
    db
      .selectFrom("agents")
      .select([
        "id",
        "hostname",
        "platform",
        "group_name",
        "version",
        "last_seen_at",
        "silent_since",
        "stuck_since",
        "spool_depth",
        "revoked_at",
      ])
      .orderBy("hostname")
      .limit(1000)
      .execute(),
  ]);
  const enrolmentOpen = ctx.enrolmentSecretSha256 !== undefined;
  const e = ctx.options.enrolment;
  return html`${notice?.message ? html`<p class="ok" role="status">${notice.message}</p>` : html``}
${
  notice?.created
    ? html`<div role="status" class="created"><p><strong>Token for ${notice.created.name} (${notice.created.role}) created.</strong> Copy it now: it is shown only once and only its hash is kept.</p><p><code>${notice.created.token}</code></p></div>`
    : html``
}
<section aria-labelledby="tokens"><h2 id="tokens">API tokens</h2>
<form method="post" action="/admin/tokens" class="filters">${csrfField(page)}
<label>Name<input name="name" required maxlength="100"></label>
<label>Role<select name="role">${ROLES.map((r) => html`<option${r === "auditor" ? html` selected` : html``}>${r}</option>`)}</select></label>
<button type="submit">Create token</button></form>
<table><thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>${tokens.map(
    (t) =>
      html`<tr><td>${t.name}</td><td>${t.role}</td><td>${t.created_at}</td><td>${t.revoked_at ? `revoked ${t.revoked_at}` : "active"}</td><td>${
        t.revoked_at
          ? html``
          : html`<form method="post" action="/admin/tokens/revoke">${csrfField(page)}<input type="hidden" name="id" value="${t.id}"><button type="submit" aria-label="${`Revoke ${t.name}`}">Revoke</button></form>`
      }</td></tr>`,
  )}</tbody></table></section>
<section aria-labelledby="agents"><h2 id="agents">Agents</h2>
${
  agents.length === 0
    ? html`<p class="empty">No agent has enrolled.</p>`
    : html`<table><thead><tr><th scope="col">Host</th><th scope="col">Platform</th><th scope="col">Group</th><th scope="col">Version</th><th scope="col">Last seen</th><th scope="col">Spool</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead><tbody>${agents.map(
        (a) =>
          html`<tr><td>${a.hostname}<br><small>${a.id}</small></td><td>${a.platform}</td><td>${a.group_name}</td><td>${a.version ?? "–"}</td><td>${a.last_seen_at}</td><td>${a.spool_depth ?? "–"}</td><td>${
            a.revoked_at
              ? `revoked ${a.revoked_at}`
              : a.stuck_since
                ? "stuck"
                : a.silent_since
                  ? "silent"
                  : "reporting"
          }</td><td>${
            a.revoked_at
              ? html``
              : html`<form method="post" action="/admin/agents/revoke">${csrfField(page)}<input type="hidden" name="id" value="${a.id}"><button type="submit" aria-label="${`Revoke agent ${a.hostname}`}">Revoke</button></form>`
          }</td></tr>`,
      )}</tbody></table>`
}</section>
<section aria-labelledby="enrolment"><h2 id="enrolment">Enrolment</h2>
<p>${
    enrolmentOpen
      ? `Open: agents enrol with the enrolment secret (only its SHA-256 is held here). Limits: ${e.maxFailuresPerAddress} failed attempts per address per ${e.failureWindowSeconds} s; ${e.perAddressPerSecond}/s per address (burst ${e.perAddressBurst}); ${e.overallPerSecond}/s overall (burst ${e.overallBurst}).`
      : "Closed: no enrolment secret is configured, so no new agent can enrol."
  }</p></section>`;
}
