import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import cookie from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PACKAGE_ROOT } from "../../engine/paths.js";
import type { Role } from "../context.js";
import { HttpError } from "../http-error.js";
import { decodeUtf8Body } from "../input-rules.js";
import { errorPage, type PageContext } from "./layout.js";
import { csrfMatches, type DashboardSession, SessionStore } from "./session.js";

/** Who may open a page: `public` (the sign-in page) or the people's roles listed. */
export type PageAccess = "public" | readonly Role[];

declare module "fastify" {
  interface FastifyContextConfig {
    /** Set on dashboard routes instead of `access`: they authenticate with the session cookie. */
    page?: PageAccess;
  }
  interface FastifyRequest {
    session: DashboardSession | null;
  }
}

const FORM_LIMIT = 64 * 1024;
const ASSETS_DIR = join(PACKAGE_ROOT, "dashboard");
const ASSET_TYPES: Record<string, string> = {
  "dashboard.css": "text/css; charset=utf-8",
  "dashboard.js": "text/javascript; charset=utf-8",
};

/**
 * Pages for people, served by the store under `/` with the same roles and tokens as the API. Reading works
 * without JavaScript; the one script (filters, the live drift feed) is a file, so the CSP can forbid inline
 * script and style entirely.
 */
export default async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  const ctx = app.assay;
  const options = ctx.options.dashboard;
  const sessions = new SessionStore(ctx, options.sessionHours * 3_600_000);
  const cookieName = options.secureCookies ? "__Host-assay_session" : "assay_session";
  const assets = loadAssets();

  await app.register(cookie);
  app.decorateRequest("session", null);
  // Forms post url-encoded bodies; only here, so the API keeps refusing anything but JSON.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "buffer", bodyLimit: FORM_LIMIT },
    (_request, body, done) => {
      try {
        done(null, Object.fromEntries(new URLSearchParams(decodeUtf8Body(body as Buffer))));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  app.addHook("onRequest", async (request, reply) => {
    setSecurityHeaders(reply);
    const access = request.routeOptions.config?.page;
    if (access === undefined) return;
    request.session = (await sessions.find(request.cookies[cookieName])) ?? null;
    if (access === "public") return;
    if (!request.session) {
      const next = encodeURIComponent(request.url);
      return reply.redirect(`/sign-in?next=${next}`, 303);
    }
    if (!access.includes(request.session.role)) {
      throw new HttpError(
        403,
        "STORE_FORBIDDEN",
        `This page is not open to the ${request.session.role} role.`,
      );
    }
  });
  // Every state change comes from a form of this session: its synchronizer token, and the browser's Origin
  // (sent with every POST by current browsers) naming this site. Checked once the form body is parsed.
  app.addHook("preHandler", async (request) => {
    if (request.method === "GET" || request.method === "HEAD") return;
    const access = request.routeOptions.config?.page;
    if (access === undefined || access === "public") return;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!request.session || !csrfMatches(request.session, body._csrf)) {
      throw new HttpError(
        403,
        "STORE_CSRF",
        "The form is out of date or not from this site; reload the page and try again.",
      );
    }
    if (!sameSite(request.headers.origin, request.headers.host)) {
      throw new HttpError(403, "STORE_CSRF", "The form was posted from another site.");
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error instanceof HttpError ? error.statusCode : (error.statusCode ?? 500);
    if (status >= 500) request.log.error({ err: error }, "page failed");
    const message = status >= 500 ? "The store could not build this page; see its log." : error.message;
    return reply
      .code(status)
      .type("text/html; charset=utf-8")
      .send(errorPage(pageContext(request), status, message).value);
  });

  app.get("/assets/:name", { config: { page: "public" }, schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get((request.params as { name: string }).name);
    if (!asset) throw new HttpError(404, "STORE_NOT_FOUND", "No such asset.");
    return reply
      .type(asset.type)
      .header("etag", asset.etag)
      .header("cache-control", "public, max-age=3600")
      .send(asset.body);
  });

  const routes = await import("./routes.js");
  await routes.registerPages(app, {
    sessions,
    cookieName,
    secureCookies: options.secureCookies,
    assetVersion: [...assets.values()].map((a) => a.etag.slice(1, 7)).join(""),
    livePollMs: options.livePollMs,
  });
}

export interface PageDeps {
  sessions: SessionStore;
  cookieName: string;
  secureCookies: boolean;
  assetVersion: string;
  livePollMs: number;
}

/** True when the browser's Origin (absent on some same-site posts) names the host the request was sent to. */
function sameSite(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const from = new URL(origin);
    return host !== undefined && new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    return false;
  }
}

function loadAssets(): Map<string, { body: Buffer; type: string; etag: string }> {
  const out = new Map<string, { body: Buffer; type: string; etag: string }>();
  for (const [name, type] of Object.entries(ASSET_TYPES)) {
    const body = readFileSync(join(ASSETS_DIR, name));
    out.set(name, { body, type, etag: `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"` });
  }
  return out;
}

/**
 * No inline script or style, no framing, forms only to this site, nothing fetched from elsewhere; the
 * session cookie is HttpOnly and SameSite, so a script could neither run nor read it.
 */
function setSecurityHeaders(reply: FastifyReply): void {
  reply
    .header(
      "content-security-policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .header("cache-control", "no-store");
}

export function pageContext(request: FastifyRequest): PageContext {
  return { session: request.session, path: request.url.split("?")[0] ?? "/" };
}
