import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/core/report.js";
import { signReport } from "../../src/core/signing.js";
import { verifyLedger } from "../../src/store/verify.js";
import {
  buildReport,
  databases,
  enrolAgent,
  type FindingSpec,
  freshDatabase,
  personToken,
  postReport,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

/** Everything a refused report could have written. */
async function footprint(app: FastifyInstance) {
  const db = app.assay.store.db;
  const n = async (
    t:
      | "reports"
      | "ledger"
      | "findings"
      | "current_state"
      | "drift_events"
      | "assets"
      | "resource_owners"
      | "alerts",
  ) =>
    Number(
      (
        await db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const tables = [
    "reports",
    "ledger",
    "findings",
    "current_state",
    "drift_events",
    "assets",
    "resource_owners",
    "alerts",
  ] as const;
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await n(t);
  return out;
}

const DEVICE_RULES = ["DEV-ENC-001", "DEV-PATCH-001", "DEV-SSH-001"];
const deviceFindings = (uid: string, status: (rule: string) => "pass" | "fail"): FindingSpec[] =>
  DEVICE_RULES.map((ruleId) => ({ ruleId, resourceUid: uid, status: status(ruleId) }));

/** A cloud report: S3 buckets of one account (the fixture gives arn: resources account 123456789012). */
const bucketFindings = (bucket: string, status: "pass" | "fail" = "pass"): FindingSpec[] => [
  { ruleId: "AWS-S3-001", resourceUid: `arn:aws:s3:::${bucket}`, status },
];

/** The same report as another account's: the resource's account is changed, then the report re-signed. */
function inAccount(agent: TestAgent, report: ScanReport, account: string): ScanReport {
  const copy = structuredClone(report);
  copy.signature = undefined;
  for (const r of copy.resources) r.account = account;
  return signReport(copy, agent.keys.privateKeyPem, agent.agentId);
}

describe.each(databases())("resource ownership on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let a: TestAgent;
  let b: TestAgent;
  let admin: string;
  const asAdmin = () => ({ authorization: `Bearer ${admin}` });

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, {
      alerts: {
        channels: { hook: { type: "webhook", url: "http://127.0.0.1:9/hook", secret: "s".repeat(32) } },
        routes: [{ channels: ["hook"], minSeverity: "low", events: ["regressed", "resolved"] }],
        flapWindowSeconds: 3600,
        dedupWindowSeconds: 86400,
      },
    });
    a = await enrolAgent(app, undefined, "laptop-a");
    b = await enrolAgent(app, undefined, "laptop-b");
    admin = await personToken(app, "admin");
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("binds a device resource to the agent that first reports it", async () => {
    const res = await postReport(
      app,
      b,
      signedReport(
        b,
        deviceFindings("device:b", () => "pass"),
      ),
    );
    expect(res.statusCode, res.body).toBe(201);
    const owner = await app.assay.store.db
      .selectFrom("resource_owners")
      .selectAll()
      .where("uid", "=", "device:b")
      .executeTakeFirstOrThrow();
    expect(owner).toMatchObject({ agent_id: b.agentId, scope: null });
    expect(Number(owner.ledger_seq)).toBe(res.json().ledgerSeq);
  });

  it("the issue's attack: A's signed all-pass report for B's device is refused with 403 and stores nothing", async () => {
    // First B's device regresses for real, so an all-pass report by A would 'resolve' it.
    expect(
      (
        await postReport(
          app,
          b,
          signedReport(
            b,
            deviceFindings("device:b", (r) => (r === "DEV-ENC-001" ? "fail" : "pass")),
          ),
        )
      ).statusCode,
    ).toBe(201);
    const before = await footprint(app);
    const forged = signedReport(
      a,
      deviceFindings("device:b", () => "pass"),
    );
    const res = await postReport(app, a, forged);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: "RESOURCE_NOT_OWNED" });
    expect(res.json().error.message).toContain("device:b");
    expect(res.json().error.message).toContain(b.agentId);
    expect(await footprint(app)).toEqual(before);
    const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/assay_store_reports_total\{outcome="rejected"\} [1-9]/);
    const state = await app.assay.store.db
      .selectFrom("current_state")
      .select(["rule_id", "status", "agent_id"])
      .where("resource_uid", "=", "device:b")
      .orderBy("rule_id")
      .execute();
    expect(state.find((s) => s.rule_id === "DEV-ENC-001")).toMatchObject({
      status: "fail",
      agent_id: b.agentId,
    });
  });

  it("a rogue regression by A cannot steer the dedup window: B's own regression still alerts", async () => {
    // B resolves, then A tries to pre-empt B's next regression with its own.
    expect(
      (
        await postReport(
          app,
          b,
          signedReport(
            b,
            deviceFindings("device:b", () => "pass"),
          ),
        )
      ).statusCode,
    ).toBe(201);
    const rogue = await postReport(
      app,
      a,
      signedReport(
        a,
        deviceFindings("device:b", () => "fail"),
      ),
    );
    expect(rogue.statusCode).toBe(403);
    const before = Number(
      (
        await app.assay.store.db
          .selectFrom("alerts")
          .select((eb) => eb.fn.max("id").as("m"))
          .executeTakeFirstOrThrow()
      ).m ?? 0,
    );
    const real = await postReport(
      app,
      b,
      signedReport(
        b,
        deviceFindings("device:b", (r) => (r === "DEV-PATCH-001" ? "fail" : "pass")),
      ),
    );
    expect(real.statusCode).toBe(201);
    const alerts = await app.assay.store.db
      .selectFrom("alerts")
      .innerJoin("drift_events", "drift_events.id", "alerts.event_id")
      .select(["alerts.status", "alerts.event_type", "drift_events.agent_id", "drift_events.rule_id"])
      .where("alerts.id", ">", before)
      .execute();
    expect(alerts).toEqual([
      { status: "pending", event_type: "regressed", agent_id: b.agentId, rule_id: "DEV-PATCH-001" },
    ]);
  });

  it("a finding about a resource the report does not list is refused with 400 naming the finding", async () => {
    const report = buildReport(
      a,
      deviceFindings("device:a", () => "pass"),
    );
    report.findings[1] = { ...report.findings[1]!, resourceUid: "device:b" };
    const res = await postReport(app, a, signReport(report, a.keys.privateKeyPem, a.agentId));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "STORE_REPORT_INVALID", field: "findings.1.resourceUid" });
  });

  it("accepts the error finding of a collector error's scope, which lists no resource, and only as an error", async () => {
    const withError = (status: "error" | "pass", scope: string) => {
      const report = buildReport(
        a,
        deviceFindings("device:a", () => "pass"),
      );
      report.collectorErrors.push({
        collector: "device",
        scope,
        code: "EACCES",
        message: "could not read the firewall state",
        resourceTypes: ["device"],
      });
      report.findings.push({
        ...report.findings[0]!,
        resourceUid: scope,
        status,
        message: "could not list device",
      });
      return signReport(report, a.keys.privateKeyPem, a.agentId);
    };
    const ok = await postReport(app, a, withError("error", "device/firewall"));
    expect(ok.statusCode, ok.body).toBe(201);
    const pass = await postReport(app, a, withError("pass", "device/firewall"));
    expect(pass.statusCode).toBe(400);
    expect(pass.json().error.field).toBe("findings.3.resourceUid");
    // A scope error naming B's device is still B's resource.
    const steal = await postReport(app, a, withError("error", "device:b"));
    expect(steal.statusCode).toBe(403);
    expect(steal.json().error.code).toBe("RESOURCE_NOT_OWNED");
  });

  describe("cloud resources belong to scanner identities limited to their scopes", () => {
    let scanner: TestAgent;
    let second: TestAgent;
    beforeAll(async () => {
      scanner = await enrolAgent(app, undefined, "scanner-1");
      second = await enrolAgent(app, undefined, "scanner-2");
    });

    it("an agent with no scopes cannot report on a cloud account", async () => {
      const res = await postReport(app, scanner, signedReport(scanner, bucketFindings("logs")));
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe("RESOURCE_NOT_OWNED");
      expect(res.json().error.message).toContain("aws:123456789012");
    });

    it("an admin allows scopes (a ledger entry); the scanner may then report, inside them only", async () => {
      const set = await app.inject({
        method: "PUT",
        url: `/v1/agents/${scanner.agentId}/scopes`,
        headers: asAdmin(),
        payload: { scopes: ["aws:123456789012"] },
      });
      expect(set.statusCode, set.body).toBe(200);
      expect(set.json()).toEqual({ agentId: scanner.agentId, scopes: ["aws:123456789012"] });
      const entry = await app.assay.store.db
        .selectFrom("ledger")
        .select(["kind"])
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirstOrThrow();
      expect(entry.kind).toBe("agent-scopes");

      expect((await postReport(app, scanner, signedReport(scanner, bucketFindings("logs")))).statusCode).toBe(
        201,
      );
      const outside = inAccount(scanner, signedReport(scanner, bucketFindings("other")), "999999999999");
      const res = await postReport(app, scanner, outside);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain("aws:999999999999");
    });

    it("a second scanner with the same scope may report on it; a device agent never may", async () => {
      await app.inject({
        method: "PUT",
        url: `/v1/agents/${second.agentId}/scopes`,
        headers: asAdmin(),
        payload: { scopes: ["aws:123456789012"] },
      });
      expect(
        (await postReport(app, second, signedReport(second, bucketFindings("logs", "fail")))).statusCode,
      ).toBe(201);
      // A device agent naming the bucket without an account claims it as a device resource: refused.
      const report = buildReport(a, bucketFindings("logs"));
      for (const r of report.resources) delete r.account;
      const res = await postReport(app, a, signReport(report, a.keys.privateKeyPem, a.agentId));
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain("belongs to aws:123456789012");
    });

    it("refuses a scope that is not provider:account with 400 naming the field", async () => {
      const res = await app.inject({
        method: "PUT",
        url: `/v1/agents/${scanner.agentId}/scopes`,
        headers: asAdmin(),
        payload: { scopes: ["123456789012"] },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe("scopes.0");
    });
  });

  describe("re-binding a device resource", () => {
    it("moves it to another agent as a ledger entry; the old owner is refused from then on", async () => {
      const res = await app.inject({
        method: "POST",
        url: "/v1/resources/rebind",
        headers: asAdmin(),
        payload: { uid: "device:b", agentId: a.agentId, reason: "laptop re-enrolled as agent A" },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ uid: "device:b", fromAgentId: b.agentId, toAgentId: a.agentId });
      const entry = await app.assay.store.db
        .selectFrom("ledger")
        .select(["kind"])
        .where("seq", "=", res.json().ledgerSeq)
        .executeTakeFirstOrThrow();
      expect(entry.kind).toBe("resource-rebound");

      expect(
        (
          await postReport(
            app,
            a,
            signedReport(
              a,
              deviceFindings("device:b", () => "pass"),
            ),
          )
        ).statusCode,
      ).toBe(201);
      const old = await postReport(
        app,
        b,
        signedReport(
          b,
          deviceFindings("device:b", () => "pass"),
        ),
      );
      expect(old.statusCode).toBe(403);
      const state = await app.assay.store.db
        .selectFrom("current_state")
        .select("agent_id")
        .where("resource_uid", "=", "device:b")
        .execute();
      expect(new Set(state.map((s) => s.agent_id))).toEqual(new Set([a.agentId]));
    });

    it("refuses to re-bind a cloud resource (it follows scopes) and to bind to an unknown agent", async () => {
      const cloud = await app.inject({
        method: "POST",
        url: "/v1/resources/rebind",
        headers: asAdmin(),
        payload: { uid: "arn:aws:s3:::logs", agentId: a.agentId, reason: "x" },
      });
      expect(cloud.statusCode).toBe(409);
      expect(cloud.json().error.code).toBe("STORE_CLOUD_RESOURCE");
      const unknown = await app.inject({
        method: "POST",
        url: "/v1/resources/rebind",
        headers: asAdmin(),
        payload: { uid: "device:b", agentId: "01JAAAAAAAAAAAAAAAAAAAAAAA", reason: "x" },
      });
      expect(unknown.statusCode).toBe(404);
    });

    it("the store still verifies, derived tables included", async () => {
      const result = await verifyLedger(app.assay.store.db);
      expect(result.broken).toEqual([]);
      expect(result).toMatchObject({ ok: true, derivedChecked: true });
      // Four enrolments, two scope changes, one re-bind.
      expect(result.recordsChecked).toBe(7);
    });
  });
});
