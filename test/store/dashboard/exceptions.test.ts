import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyLedger } from "../../../src/store/verify.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "../fixtures.js";

async function signedIn(app: FastifyInstance, role: "admin" | "lead" | "auditor") {
  const token = await personToken(app, role);
  const res = await app.inject({
    method: "POST",
    url: "/sign-in",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ token }).toString(),
  });
  const cookie = /(__Host-assay_session=[^;]+)/.exec(String(res.headers["set-cookie"]))![1]!;
  const page = await app.inject({ method: "GET", url: "/exceptions", headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const post = (url: string, form: Record<string, string>) =>
    app.inject({
      method: "POST",
      url,
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
    });
  const get = (url: string) => app.inject({ method: "GET", url, headers: { cookie } });
  return { post, get };
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe.each(databases())("exceptions held by the store on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, {
      alerts: {
        channels: { hook: { type: "webhook", url: "http://127.0.0.1:9/alerts" } },
        routes: [{ channels: ["hook"], events: ["regressed"], minSeverity: "info" }],
      },
    });
    agent = await enrolAgent(app, "servers", "db-1");
    const first = signedReport(
      agent,
      [
        { ruleId: "DEV-SSH-001", resourceUid: "device:db-1", status: "pass" },
        { ruleId: "DEV-ENC-001", resourceUid: "device:db-1", status: "pass" },
      ],
      new Date(Date.now() - 60_000),
    );
    expect((await postReport(app, agent, first)).statusCode).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("needs a second person to approve, applies to alerts and posture, and every change verifies", async () => {
    const alice = await signedIn(app, "lead");
    const bob = await signedIn(app, "admin");
    const auditor = await signedIn(app, "auditor");

    expect(
      (
        await auditor.post("/exceptions", {
          ruleId: "DEV-SSH-001",
          owner: "x",
          reason: "y",
          expires: inDays(10),
        })
      ).statusCode,
    ).toBe(403);
    const bad = await alice.post("/exceptions", {
      ruleId: "DEV-SSH-001",
      owner: "ops",
      reason: "legacy",
      expires: inDays(400),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("at most a year");
    const created = await alice.post("/exceptions", {
      ruleId: "DEV-SSH-001",
      resource: "device:db-*",
      owner: "Ops team",
      reason: "Password SSH needed by the legacy backup tool until its replacement",
      expires: inDays(20),
    });
    expect(created.statusCode).toBe(201);
    const row = await app.assay.store.db.selectFrom("store_exceptions").selectAll().executeTakeFirstOrThrow();
    expect(row.approved_at).toBeNull();

    const own = await alice.post("/exceptions/approve", { id: row.id });
    expect(own.statusCode).toBe(403);
    expect(own.body).toContain("second person");
    // Pending does not apply: the overview still counts the failure once it happens.
    expect((await bob.post("/exceptions/approve", { id: row.id })).statusCode).toBe(200);
    expect((await bob.post("/exceptions/approve", { id: row.id })).statusCode).toBe(409);

    // The regression it covers is recorded as drift but its alert is held back with the reason.
    const regressed = signedReport(agent, [
      { ruleId: "DEV-SSH-001", resourceUid: "device:db-1", status: "fail" },
      { ruleId: "DEV-ENC-001", resourceUid: "device:db-1", status: "fail" },
    ]);
    expect((await postReport(app, agent, regressed)).statusCode).toBe(201);
    const alerts = await app.assay.store.db
      .selectFrom("alerts")
      .select(["dedup_key", "status", "reason"])
      .execute();
    const ssh = alerts.find((a) => a.dedup_key === "device:db-1/DEV-SSH-001")!;
    const enc = alerts.find((a) => a.dedup_key === "device:db-1/DEV-ENC-001")!;
    expect(ssh.status).toBe("suppressed");
    expect(ssh.reason).toContain("excepted: Ops team");
    expect(enc.status).toBe("pending");

    const overview = await auditor.get("/");
    expect(overview.body).toContain("Exceptions expiring within 30 days");
    expect(overview.body).toContain("Ops team");
    const resource = await auditor.get("/resource?uid=device%3Adb-1");
    expect(resource.body).toContain("Accepted risk: Ops team");

    const kinds = (await app.assay.store.db.selectFrom("ledger").select("kind").execute()).map((e) => e.kind);
    expect(kinds.filter((k) => k.startsWith("exception-"))).toEqual([
      "exception-requested",
      "exception-approved",
    ]);
    expect((await verifyLedger(app.assay.store.db)).ok).toBe(true);

    // An approval rewritten in the table without a ledger record is named by verify.
    const approved = await app.assay.store.db
      .selectFrom("store_exceptions")
      .select("approved_by")
      .executeTakeFirstOrThrow();
    await app.assay.store.db.updateTable("store_exceptions").set({ approved_by: "token:FORGED" }).execute();
    const tampered = await verifyLedger(app.assay.store.db);
    expect(tampered.ok).toBe(false);
    expect(tampered.broken.map((b) => b.problem).join("\n")).toContain("approved_by");
    await app.assay.store.db
      .updateTable("store_exceptions")
      .set({ approved_by: approved.approved_by })
      .execute();
    expect((await verifyLedger(app.assay.store.db)).ok).toBe(true);

    expect((await alice.post("/exceptions/revoke", { id: row.id })).statusCode).toBe(200);
    const list = await auditor.get("/exceptions?status=revoked");
    expect(list.body).toContain("Ops team");
    expect((await verifyLedger(app.assay.store.db)).ok).toBe(true);
  });
});
