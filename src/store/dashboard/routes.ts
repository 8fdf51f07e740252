import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type Framework, loadFrameworks } from "../../engine/catalogue.js";
import { BUILTIN_FRAMEWORKS_DIR } from "../../engine/paths.js";
import type { Role } from "../context.js";
import {
  approveException,
  ExceptionRequestSchema,
  requestException,
  revokeException,
} from "../exceptions.js";
import { HttpError } from "../http-error.js";
import { revokeAgent } from "../ownership-admin.js";
import { createApiToken, revokeApiToken } from "../token-admin.js";
import { parseToken, secretMatches } from "../tokens.js";
import { parseInput } from "../validate.js";
import { verifyLedger } from "../verify.js";
import { html, queryString, type SafeHtml } from "./html.js";
import { layout, type PageContext } from "./layout.js";
import { OidcSignIn } from "./oidc.js";
import { adminPage, CreateTokenForm, IdForm } from "./pages/admin.js";
import { assetsPage } from "./pages/assets.js";
import { controlExport, controlPage, controlsPage } from "./pages/controls.js";
import { driftLive, driftPage } from "./pages/drift.js";
import { ExceptionIdForm, exceptionsPage } from "./pages/exceptions.js";
import { ledgerPage } from "./pages/ledger.js";
import { overviewPage } from "./pages/overview.js";
import { resourcePage } from "./pages/resource.js";
import { type PageAccess, type PageDeps, pageContext } from "./plugin.js";

const EVERYONE: readonly Role[] = ["admin", "lead", "auditor"];
const ADMIN: readonly Role[] = ["admin"];
const ADMIN_LEAD: readonly Role[] = ["admin", "lead"];

/** Who made a change from the dashboard, as its ledger entry records it. */
function sessionActor(request: FastifyRequest): string {
  const s = request.session;
  if (!s) return "unknown";
  return s.tokenId ? `token:${s.tokenId}` : `oidc:${s.subject}`;
}

const SignInForm = z.strictObject({
  token: z.string().trim().min(1, "Paste your API token.").max(200),
  next: z.string().max(2000).optional(),
});

/** Only a path on this site may follow sign-in (no `//host`, no scheme): an open redirect otherwise. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) ? next : "/";
}

export async function registerPages(app: FastifyInstance, deps: PageDeps): Promise<void> {
  const { store } = app.assay;
  const send = (reply: FastifyReply, page: SafeHtml) =>
    reply.type("text/html; charset=utf-8").send(page.value);
  const render = (request: FastifyRequest, title: string, body: SafeHtml) =>
    layout(pageContext(request), title, body, deps.assetVersion);
  const page = (
    url: string,
    access: PageAccess,
    build: (request: FastifyRequest, ctx: PageContext) => Promise<{ title: string; body: SafeHtml }>,
  ) =>
    app.get(url, { config: { page: access }, schema: { hide: true } }, async (request, reply) => {
      const { title, body } = await build(request, pageContext(request));
      return send(reply, render(request, title, body));
    });

  const oidcOptions = app.assay.options.dashboard.oidc;
  const oidc = oidcOptions ? new OidcSignIn(app.assay, oidcOptions, deps.secureCookies) : undefined;
  const signInForm = (next: string, problem?: string) => signInPage(next, oidc?.label, problem);
  const startSession = async (
    reply: FastifyReply,
    input: { tokenId: string | null; subject: string; role: Role },
  ) => {
    const { secret } = await deps.sessions.create(input);
    reply.setCookie(deps.cookieName, secret, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: deps.secureCookies,
      maxAge: Math.floor(app.assay.options.dashboard.sessionHours * 3600),
    });
  };

  app.get("/sign-in", { config: { page: "public" }, schema: { hide: true } }, async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next);
    if (request.session) return reply.redirect(next, 303);
    return send(reply, render(request, "Sign in", signInForm(next)));
  });

  if (oidc) {
    app.get("/sign-in/oidc", { config: { page: "public" }, schema: { hide: true } }, async (request, reply) =>
      oidc.start(reply, safeNext((request.query as { next?: string }).next)),
    );
    app.get(
      "/sign-in/oidc/callback",
      { config: { page: "public" }, schema: { hide: true } },
      async (request, reply) => {
        const person = await oidc.finish(request, reply);
        await startSession(reply, { tokenId: null, subject: person.subject, role: person.role });
        return reply.redirect(safeNext(person.next), 303);
      },
    );
  }

  app.post("/sign-in", { config: { page: "public" }, schema: { hide: true } }, async (request, reply) => {
    const form = parseInput(SignInForm, request.body ?? {}, "form");
    const next = safeNext(form.next);
    const parsed = parseToken(form.token);
    const row =
      parsed?.kind === "person"
        ? await store.db
            .selectFrom("api_tokens")
            .select(["id", "name", "role", "token_hash", "revoked_at"])
            .where("id", "=", parsed.id)
            .executeTakeFirst()
        : undefined;
    if (!parsed || !row || row.revoked_at !== null || !secretMatches(parsed.secret, row.token_hash)) {
      const message =
        parsed?.kind === "agent"
          ? "That is an agent's token; people sign in with a person's API token (asp_…)."
          : "That token is not valid.";
      return reply
        .code(401)
        .type("text/html; charset=utf-8")
        .send(render(request, "Sign in", signInForm(next, message)).value);
    }
    const { secret } = await deps.sessions.create({
      tokenId: row.id,
      subject: row.name,
      role: row.role as Role,
    });
    reply.setCookie(deps.cookieName, secret, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: deps.secureCookies,
      maxAge: Math.floor(app.assay.options.dashboard.sessionHours * 3600),
    });
    return reply.redirect(next, 303);
  });

  app.post("/sign-out", { config: { page: EVERYONE }, schema: { hide: true } }, async (request, reply) => {
    if (request.session) await deps.sessions.destroy(request.session.idHash);
    reply.clearCookie(deps.cookieName, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: deps.secureCookies,
    });
    return reply.redirect("/sign-in", 303);
  });

  page("/", EVERYONE, async () => ({ title: "Overview", body: await overviewPage(app.assay) }));
  page("/drift", EVERYONE, async (request) => ({
    title: "Drift",
    body: await driftPage(app.assay, request),
  }));
  page("/assets", EVERYONE, async (request) => ({
    title: "Assets",
    body: await assetsPage(app.assay, request),
  }));
  page("/resource", EVERYONE, (request) => resourcePage(app.assay, request));
  // The catalogues shipped with the rules (or options.frameworksDir), read once.
  const frameworks: Framework[] = await loadFrameworks(
    app.assay.options.frameworksDir ?? BUILTIN_FRAMEWORKS_DIR,
  ).catch((error: unknown) => {
    app.log.warn({ err: error }, "framework catalogues could not be loaded; the Controls page lists none");
    return [];
  });
  page("/controls", EVERYONE, async (request) => ({
    title: "Controls",
    body: await controlsPage(app.assay, request, frameworks),
  }));
  page("/control", EVERYONE, (request) => controlPage(app.assay, request, frameworks));
  app.get("/control/export", { config: { page: EVERYONE }, schema: { hide: true } }, (request, reply) =>
    controlExport(app.assay, request, reply, frameworks),
  );

  page("/ledger", EVERYONE, async (request, ctx) => ({
    title: "Ledger",
    body: await ledgerPage(app.assay, request, ctx),
  }));
  app.post(
    "/ledger/verify",
    { config: { page: EVERYONE }, schema: { hide: true } },
    async (request, reply) => {
      const result = await verifyLedger(store.db);
      const ctx = pageContext(request);
      return send(reply, render(request, "Ledger", await ledgerPage(app.assay, request, ctx, result)));
    },
  );

  page("/admin", ADMIN, async (_request, ctx) => ({ title: "Admin", body: await adminPage(app.assay, ctx) }));
  app.post("/admin/tokens", { config: { page: ADMIN }, schema: { hide: true } }, async (request, reply) => {
    const form = parseInput(CreateTokenForm, request.body, "form");
    const created = await createApiToken(store.db, {
      role: form.role,
      name: form.name,
      now: app.assay.now(),
    });
    const body = await adminPage(app.assay, pageContext(request), { created });
    return reply
      .code(201)
      .type("text/html; charset=utf-8")
      .send(render(request, "Admin", body).value);
  });
  app.post(
    "/admin/tokens/revoke",
    { config: { page: ADMIN }, schema: { hide: true } },
    async (request, reply) => {
      const form = parseInput(IdForm, request.body, "form");
      if (!(await revokeApiToken(store.db, form.id, app.assay.now()))) {
        throw new HttpError(404, "STORE_NOT_FOUND", `No active token ${form.id}.`);
      }
      const body = await adminPage(app.assay, pageContext(request), {
        message: "Token revoked; its sessions have ended.",
      });
      return send(reply, render(request, "Admin", body));
    },
  );
  app.post(
    "/admin/agents/revoke",
    { config: { page: ADMIN }, schema: { hide: true } },
    async (request, reply) => {
      const form = parseInput(IdForm, request.body, "form");
      await revokeAgent(store.db, store.dialect, {
        agentId: form.id,
        by: sessionActor(request),
        now: app.assay.now(),
      });
      const body = await adminPage(app.assay, pageContext(request), {
        message: "Agent revoked (a ledger entry).",
      });
      return send(reply, render(request, "Admin", body));
    },
  );

  const exceptions = (request: FastifyRequest, notice?: string) =>
    exceptionsPage(app.assay, request, pageContext(request), sessionActor(request), notice);
  page("/exceptions", EVERYONE, async (request) => ({
    title: "Exceptions",
    body: await exceptions(request),
  }));
  app.post(
    "/exceptions",
    { config: { page: ADMIN_LEAD }, schema: { hide: true } },
    async (request, reply) => {
      const { _csrf, ...input } = request.body as Record<string, unknown>;
      void _csrf;
      const form = parseInput(ExceptionRequestSchema, input, "form");
      const row = await requestException(
        store.db,
        store.dialect,
        form,
        sessionActor(request),
        app.assay.now(),
      );
      const body = await exceptions(
        request,
        `Exception for ${row.rule_id} requested; a second lead or admin approves it.`,
      );
      return reply
        .code(201)
        .type("text/html; charset=utf-8")
        .send(render(request, "Exceptions", body).value);
    },
  );
  app.post(
    "/exceptions/approve",
    { config: { page: ADMIN_LEAD }, schema: { hide: true } },
    async (request, reply) => {
      const form = parseInput(ExceptionIdForm, request.body, "form");
      const row = await approveException(
        store.db,
        store.dialect,
        form.id,
        sessionActor(request),
        app.assay.now(),
      );
      return send(
        reply,
        render(
          request,
          "Exceptions",
          await exceptions(request, `Exception for ${row.rule_id} approved until ${row.expires}.`),
        ),
      );
    },
  );
  app.post(
    "/exceptions/revoke",
    { config: { page: ADMIN_LEAD }, schema: { hide: true } },
    async (request, reply) => {
      const form = parseInput(ExceptionIdForm, request.body, "form");
      const row = await revokeException(
        store.db,
        store.dialect,
        form.id,
        sessionActor(request),
        app.assay.now(),
      );
      return send(
        reply,
        render(request, "Exceptions", await exceptions(request, `Exception for ${row.rule_id} revoked.`)),
      );
    },
  );

  app.get("/drift/live", { config: { page: EVERYONE }, schema: { hide: true } }, (request, reply) =>
    driftLive(app.assay, request, reply, deps.livePollMs),
  );
}

function signInPage(next: string, oidcLabel: string | undefined, problem?: string): SafeHtml {
  return html`${problem ? html`<p class="error" role="alert">${problem}</p>` : html``}
${oidcLabel ? html`<p><a class="button" href="${`/sign-in/oidc${queryString({ next })}`}">${oidcLabel}</a></p><p>or with a personal API token:</p>` : html``}
<form method="post" action="/sign-in" class="sign-in">
<input type="hidden" name="next" value="${next}">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>`;
}
