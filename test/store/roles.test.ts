import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  databases,
  ENROLMENT_SECRET,
  enrolAgent,
  freshDatabase,
  personToken,
  realisticFindings,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

type Caller = "anonymous" | "agent" | "admin" | "lead" | "auditor";
const CALLERS: Caller[] = ["anonymous", "agent", "admin", "lead", "auditor"];

interface RouteCase {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  /** The route pattern as registered, to check the table covers every route. */
  pattern: string;
  allowed: Caller[];
  payload?: (ctx: { agent: TestAgent }) => unknown;
}

const ULID = "01JAAAAAAAAAAAAAAAAAAAAAAA";
const READERS: Caller[] = ["admin", "lead", "auditor"];

/** Every route of the store and who may call it. Writes are never open to auditors. */
const ROUTES: RouteCase[] = [
  { method: "GET", url: "/healthz", pattern: "/healthz", allowed: CALLERS },
  { method: "GET", url: "/metrics", pattern: "/metrics", allowed: CALLERS },
  { method: "GET", url: "/openapi.json", pattern: "/openapi.json", allowed: CALLERS },
  {
    method: "POST",
    url: "/v1/enrol",
    pattern: "/v1/enrol",
    allowed: CALLERS,
    payload: () => ({
      enrolmentSecret: ENROLMENT_SECRET,
      hostname: "h",
      platform: "linux",
      publicKeyPem: "not a key, long enough to pass the length check",
    }),
  },
  {
    method: "POST",
    url: "/v1/heartbeat",
    pattern: "/v1/heartbeat",
    allowed: ["agent"],
    payload: () => ({ version: "0.1.0" }),
  },
  {
    method: "POST",
    url: "/v1/reports",
    pattern: "/v1/reports",
    allowed: ["agent"],
    payload: ({ agent }) => signedReport(agent, realisticFindings("roles")),
  },
  { method: "GET", url: "/v1/posture", pattern: "/v1/posture", allowed: READERS },
  { method: "GET", url: "/v1/drift", pattern: "/v1/drift", allowed: READERS },
  { method: "GET", url: "/v1/assets", pattern: "/v1/assets", allowed: READERS },
  { method: "GET", url: "/v1/failing", pattern: "/v1/failing", allowed: READERS },
  {
    method: "GET",
    url: "/v1/evidence?control=iso27001-2022:A.8.24",
    pattern: "/v1/evidence",
    allowed: READERS,
  },
  {
    method: "GET",
    url: "/v1/evidence/bundle?from=2000-01-01&to=2100-01-01",
    pattern: "/v1/evidence/bundle",
    allowed: READERS,
  },
  { method: "GET", url: "/v1/ledger", pattern: "/v1/ledger", allowed: READERS },
  { method: "GET", url: "/v1/ledger/verify", pattern: "/v1/ledger/verify", allowed: READERS },
  {
    method: "POST",
    url: "/v1/tokens",
    pattern: "/v1/tokens",
    allowed: ["admin"],
    payload: () => ({ role: "auditor", name: "x" }),
  },
  { method: "GET", url: "/v1/tokens", pattern: "/v1/tokens", allowed: ["admin"] },
  { method: "DELETE", url: `/v1/tokens/${ULID}`, pattern: "/v1/tokens/:id", allowed: ["admin"] },
  { method: "GET", url: "/v1/agents", pattern: "/v1/agents", allowed: ["admin", "lead"] },
  { method: "DELETE", url: `/v1/agents/${ULID}`, pattern: "/v1/agents/:id", allowed: ["admin"] },
  {
    method: "PUT",
    url: `/v1/agents/${ULID}/scopes`,
    pattern: "/v1/agents/:id/scopes",
    allowed: ["admin"],
    payload: () => ({ scopes: ["aws:123456789012"] }),
  },
  {
    method: "POST",
    url: "/v1/resources/rebind",
    pattern: "/v1/resources/rebind",
    allowed: ["admin"],
    payload: () => ({ uid: "device:x", agentId: ULID, reason: "re-enrolled" }),
  },
  { method: "GET", url: "/v1/alerts", pattern: "/v1/alerts", allowed: ["admin", "lead"] },
  { method: "POST", url: "/v1/retention/run", pattern: "/v1/retention/run", allowed: ["admin"] },
  { method: "GET", url: "/v1/checkpoint", pattern: "/v1/checkpoint", allowed: READERS },
  { method: "POST", url: "/v1/checkpoint", pattern: "/v1/checkpoint", allowed: ["admin"] },
  { method: "GET", url: "/v1/checkpoint/keys", pattern: "/v1/checkpoint/keys", allowed: READERS },
  { method: "GET", url: "/v1/proof/inclusion?seq=1", pattern: "/v1/proof/inclusion", allowed: READERS },
  {
    method: "GET",
    url: "/v1/proof/consistency?from=1",
    pattern: "/v1/proof/consistency",
    allowed: READERS,
  },
];

describe.each(databases())("access control on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  const tokens: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { retention: { days: 365 } });
    agent = await enrolAgent(app);
    tokens.agent = agent.token;
    for (const role of ["admin", "lead", "auditor"] as const) tokens[role] = await personToken(app, role);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("the table covers every registered route", () => {
    const registered = app.assay.routes.map((r) => `${r.method} ${r.url}`).sort();
    expect(registered).toEqual(ROUTES.map((r) => `${r.method} ${r.pattern}`).sort());
  });

  const matrix = ROUTES.flatMap((route) =>
    CALLERS.map((caller) => ({ ...route, caller, ok: route.allowed.includes(caller) })),
  );
  it.each(matrix)("$method $url as $caller -> allowed=$ok", async (c) => {
    const token = tokens[c.caller];
    const res = await app.inject({
      method: c.method,
      url: c.url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(c.payload ? { payload: c.payload({ agent }) as object } : {}),
    });
    if (c.ok) {
      expect([401, 403]).not.toContain(res.statusCode);
      expect(res.statusCode).toBeLessThan(500);
    } else {
      expect(res.statusCode).toBe(c.caller === "anonymous" ? 401 : 403);
      expect(res.json().error.message).toMatch(/token|Authorization/);
    }
  });

  it("a revoked person token stops working", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/v1/tokens",
      headers: { authorization: `Bearer ${tokens.admin}` },
      payload: { role: "auditor", name: "temp" },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json() as { id: string; token: string };
    const ok = await app.inject({
      method: "GET",
      url: "/v1/posture",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.statusCode).toBe(200);
    const revoke = await app.inject({
      method: "DELETE",
      url: `/v1/tokens/${id}`,
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(revoke.statusCode).toBe(204);
    const after = await app.inject({
      method: "GET",
      url: "/v1/posture",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.statusCode).toBe(401);
  });

  it("stores tokens and secrets only hashed", async () => {
    const people = await app.assay.store.db.selectFrom("api_tokens").select("token_hash").execute();
    const agents = await app.assay.store.db.selectFrom("agents").select("token_hash").execute();
    for (const row of [...people, ...agents]) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const secretParts = Object.values(tokens).map((t) => t!.split(".")[1]!);
    const dump = JSON.stringify([people, agents]);
    for (const part of secretParts) expect(dump).not.toContain(part);
  });

  it("refuses enrolment with a wrong secret", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/enrol",
      payload: {
        enrolmentSecret: "wrong-secret-wrong-secret",
        hostname: "h",
        platform: "linux",
        publicKeyPem: agent.keys.publicKeyPem,
      },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.field).toBe("enrolmentSecret");
  });

  it("serves an OpenAPI description of the routes", async () => {
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    const doc = res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/v1/reports");
    expect(doc.paths["/v1/reports"].post.requestBody).toBeDefined();
  });

  it("exposes Prometheus metrics", async () => {
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.body).toContain("assay_store_reports_total");
    expect(res.body).toContain("assay_store_http_requests_total");
  });
});
