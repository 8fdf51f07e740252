import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  realisticFindings,
  signedReport,
  type TestDatabase,
  testApp,
} from "../fixtures.js";

const COOKIE = "__Host-assay_session";

function sessionCookie(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie.join("\n") : (setCookie ?? "");
  const match = new RegExp(`${COOKIE}=([^;]+)`).exec(header);
  if (!match) throw new Error(`no session cookie in ${header}`);
  return `${COOKIE}=${match[1]}`;
}

async function signIn(app: FastifyInstance, token: string, next = "/") {
  return app.inject({
    method: "POST",
    url: "/sign-in",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ token, next }).toString(),
  });
}

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error("no CSRF field on the page");
  return match[1]!;
}

describe.each(databases())("dashboard sign-in and sessions on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options);
    for (const role of ["admin", "lead", "auditor"] as const) tokens[role] = await personToken(app, role);
    const agent = await enrolAgent(app);
    tokens.agent = agent.token;
    expect((await postReport(app, agent, signedReport(agent, realisticFindings("dash")))).statusCode).toBe(
      201,
    );
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("sends a visitor without a session to the sign-in page, keeping where they were going", async () => {
    const res = await app.inject({ method: "GET", url: "/drift?severity=high" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent("/drift?severity=high")}`);
    const form = await app.inject({ method: "GET", url: res.headers.location as string });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="next" value="/drift?severity=high"');
  });

  it("signs a person in with their API token into an HttpOnly, Secure, SameSite session", async () => {
    const res = await signIn(app, tokens.lead!, "/");
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/");
    const header = String(res.headers["set-cookie"]);
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/Secure/i);
    expect(header).toMatch(/SameSite=Lax/i);
    const page = await app.inject({
      method: "GET",
      url: "/",
      headers: { cookie: sessionCookie(res.headers["set-cookie"]) },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<h1>Overview</h1>");
    expect(page.body).toContain("Posture now");
    // The session's secret is stored only as a hash.
    const rows = await app.assay.store.db.selectFrom("dashboard_sessions").select("id_hash").execute();
    const secret = sessionCookie(res.headers["set-cookie"]).split("=")[1]!;
    expect(rows.map((r) => r.id_hash)).not.toContain(secret);
  });

  it("refuses an agent's token, a wrong token and an empty one without creating a session", async () => {
    const before = await app.assay.store.db.selectFrom("dashboard_sessions").select("id_hash").execute();
    const agent = await signIn(app, tokens.agent!);
    expect(agent.statusCode).toBe(401);
    expect(agent.body).toContain("agent&#39;s token");
    const wrong = await signIn(app, `${tokens.lead!.slice(0, -4)}AAAA`);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain("That token is not valid.");
    const empty = await signIn(app, "");
    expect(empty.statusCode).toBe(400);
    const after = await app.assay.store.db.selectFrom("dashboard_sessions").select("id_hash").execute();
    expect(after.length).toBe(before.length);
  });

  it("never redirects off the site after sign-in", async () => {
    for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      const res = await signIn(app, tokens.auditor!, next);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe("/");
    }
  });

  it("sends a strict CSP and no-store on every page, and no inline script in the markup", async () => {
    const res = await app.inject({ method: "GET", url: "/sign-in" });
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/\sstyle="/);
  });

  it("refuses a form post without the session's CSRF token, or from another site", async () => {
    const login = await signIn(app, tokens.lead!);
    const cookie = sessionCookie(login.headers["set-cookie"]);
    const page = await app.inject({ method: "GET", url: "/", headers: { cookie } });
    const csrf = csrfOf(page.body);
    const post = (payload: Record<string, string>, headers: Record<string, string> = {}) =>
      app.inject({
        method: "POST",
        url: "/sign-out",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
        payload: new URLSearchParams(payload).toString(),
      });
    const missing = await post({});
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain("reload the page");
    expect((await post({ _csrf: `${csrf.slice(0, -1)}x` })).statusCode).toBe(403);
    expect((await post({ _csrf: csrf }, { origin: "https://evil.example" })).statusCode).toBe(403);
    // Still signed in after the refused posts; the real one signs out.
    expect((await app.inject({ method: "GET", url: "/", headers: { cookie } })).statusCode).toBe(200);
    const out = await post({ _csrf: csrf }, { origin: "http://localhost:80" });
    expect(out.statusCode).toBe(303);
    expect((await app.inject({ method: "GET", url: "/", headers: { cookie } })).statusCode).toBe(303);
  });

  it("ends every session of a token the moment the token is revoked", async () => {
    const { createApiToken } = await import("../../../src/store/token-admin.js");
    const issued = await createApiToken(app.assay.store.db, { role: "lead", name: "short-lived" });
    const cookie = sessionCookie((await signIn(app, issued.token)).headers["set-cookie"]);
    expect((await app.inject({ method: "GET", url: "/", headers: { cookie } })).statusCode).toBe(200);
    const revoke = await app.inject({
      method: "DELETE",
      url: `/v1/tokens/${issued.id}`,
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(revoke.statusCode).toBe(204);
    expect((await app.inject({ method: "GET", url: "/", headers: { cookie } })).statusCode).toBe(303);
  });

  it("ignores a forged or malformed session cookie", async () => {
    for (const value of ["x", "A".repeat(43), "'; DROP TABLE agents; --"]) {
      const res = await app.inject({
        method: "GET",
        url: "/",
        headers: { cookie: `${COOKIE}=${encodeURIComponent(value)}` },
      });
      expect(res.statusCode).toBe(303);
    }
  });
});
