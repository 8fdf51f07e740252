import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDigests, dispatchOutbox } from "../../src/store/alerts/outbox.js";
import type { StoreOptionsInput } from "../../src/store/options.js";
import { SmtpReceiver } from "../helpers/smtp-receiver.js";
import { WebhookReceiver } from "../helpers/webhook-receiver.js";
import {
  databases,
  enrolAgent,
  type FindingSpec,
  freshDatabase,
  postReport,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

const SECRET = "webhook-secret-0123456789abcdef";

function alertConfig(receiver: WebhookReceiver, smtp: SmtpReceiver): StoreOptionsInput {
  return {
    alerts: {
      channels: {
        hook: { type: "webhook", url: `${receiver.url}/hook`, secret: SECRET },
        slack: { type: "slack", url: `${receiver.url}/slack` },
        teams: { type: "teams", url: `${receiver.url}/teams` },
        mail: {
          type: "email",
          host: "127.0.0.1",
          port: smtp.port,
          requireTls: false,
          from: "assay@example.test",
          to: ["lead@example.test"],
        },
        daily: { type: "webhook", url: `${receiver.url}/daily`, digest: true },
      },
      routes: [
        {
          channels: ["hook", "slack", "teams", "mail"],
          minSeverity: "high",
          events: ["regressed", "resolved", "agent-silent"],
        },
        { channels: ["daily"], minSeverity: "low", policies: ["patching"], events: ["regressed"] },
      ],
      flapWindowSeconds: 600,
      dedupWindowSeconds: 3600,
      retryBaseSeconds: 30,
      maxAttempts: 5,
      linkBaseUrl: "https://assay.example.test",
    },
  };
}

describe.each(databases())("alerts on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let receiver: WebhookReceiver;
  let smtp: SmtpReceiver;
  let clock = new Date("2026-02-01T08:00:00Z");

  const send = async (findings: FindingSpec[]) => {
    const res = await postReport(app, agent, signedReport(agent, findings, clock));
    expect(res.statusCode, res.body).toBe(201);
  };
  const dispatch = (target = app) =>
    dispatchOutbox(target.assay.store, target.assay.options.alerts, {
      instanceId: target.assay.instanceId,
      now: () => clock,
    });
  const alertRows = () => app.assay.store.db.selectFrom("alerts").selectAll().orderBy("id").execute();
  const enc = (status: "pass" | "fail"): FindingSpec => ({
    ruleId: "DEV-ENC-001",
    resourceUid: "web-01",
    status,
  });

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    smtp = await SmtpReceiver.start();
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, alertConfig(receiver, smtp), { now: () => clock });
    agent = await enrolAgent(app);
    await send([
      enc("pass"),
      { ruleId: "DEV-PATCH-001", resourceUid: "web-01", status: "pass", severity: "medium" },
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
    await receiver?.stop();
    await smtp?.stop();
  });

  it("delivers a regression to the webhook (HMAC signed), Slack, Teams and email", async () => {
    await send([
      enc("fail"),
      { ruleId: "DEV-PATCH-001", resourceUid: "web-01", status: "pass", severity: "medium" },
    ]);
    expect(await dispatch()).toEqual({ sent: 4, retried: 0, failed: 0 });

    const [hook] = receiver.on("/hook");
    const timestamp = hook!.headers["x-assay-timestamp"] as string;
    const expected = `sha256=${createHmac("sha256", SECRET).update(`${timestamp}.${hook!.body}`).digest("hex")}`;
    expect(hook!.headers["x-assay-signature-256"]).toBe(expected);
    const body = JSON.parse(hook!.body);
    expect(body).toMatchObject({
      kind: "alert",
      alert: {
        type: "regressed",
        ruleId: "DEV-ENC-001",
        resourceUid: "web-01",
        from: "pass",
        to: "fail",
        severity: "high",
        ledgerSeq: 3, // entry 1 is the agent's enrolment
      },
    });

    const slack = JSON.parse(receiver.on("/slack")[0]!.body);
    expect(slack.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "Control drift: newly failing" },
    });
    expect(slack.blocks[1].fields[0].text).toContain("iso27001-2022:A.8.24");
    expect(slack.blocks.at(-1).elements[0].url).toMatch(/^https:\/\/assay\.example\.test\/drift\/\d+$/);

    const teams = JSON.parse(receiver.on("/teams")[0]!.body);
    expect(teams.type).toBe("message");
    expect(teams.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(teams.attachments[0].content).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(teams.attachments[0].content.body[1].facts).toContainEqual({
      title: "Was / Now",
      value: "pass -> fail",
    });

    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual(["lead@example.test"]);
    expect(smtp.messages[0]!.raw).toContain(
      "Subject: [Assay] Control drift: newly failing [high]: DEV-ENC-001 on",
    );
    expect(smtp.messages[0]!.raw).toContain("Change:    pass -> fail");
  });

  it("routes by severity and policy: a medium patching regression goes only to the digest channel", async () => {
    const before = receiver.received.length;
    await send([
      enc("fail"),
      { ruleId: "DEV-PATCH-001", resourceUid: "web-01", status: "fail", severity: "medium" },
    ]);
    expect(await dispatch()).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(receiver.received.length).toBe(before);
    const held = (await alertRows()).filter((r) => r.status === "digest");
    expect(held.map((r) => [r.channel, r.event_type])).toEqual([["daily", "regressed"]]);
  });

  it("holds back flapping and drops duplicates within their windows, then alerts again after", async () => {
    clock = new Date(clock.getTime() + 60_000);
    await send([
      enc("pass"),
      { ruleId: "DEV-PATCH-001", resourceUid: "web-01", status: "fail", severity: "medium" },
    ]);
    clock = new Date(clock.getTime() + 60_000);
    await send([
      enc("fail"),
      { ruleId: "DEV-PATCH-001", resourceUid: "web-01", status: "fail", severity: "medium" },
    ]);
    const encRows = (await alertRows()).filter(
      (r) => r.dedup_key === "web-01/DEV-ENC-001" && r.channel === "hook",
    );
    expect(encRows.map((r) => [r.event_type, r.status])).toEqual([
      ["regressed", "sent"],
      ["resolved", "suppressed"],
      ["regressed", "suppressed"],
    ]);
    expect(encRows[1]!.reason).toMatch(/^flapping/);
    expect(encRows[2]!.reason).toMatch(/^duplicate/);
    expect(await dispatch()).toEqual({ sent: 0, retried: 0, failed: 0 });

    clock = new Date(clock.getTime() + 2 * 3600_000);
    await send([
      enc("pass"),
      { ruleId: "DEV-PATCH-001", resourceUid: "web-01", status: "fail", severity: "medium" },
    ]);
    expect((await dispatch()).sent).toBe(4);
    expect(receiver.on("/hook").map((r) => JSON.parse(r.body).alert.type)).toEqual(["regressed", "resolved"]);
  });

  it("retries a failing receiver with backoff and delivers once", async () => {
    receiver.failNext("/hook", 2);
    clock = new Date(clock.getTime() + 2 * 3600_000);
    await send([
      enc("fail"),
      { ruleId: "DEV-PATCH-001", resourceUid: "web-01", status: "fail", severity: "medium" },
    ]);
    expect(await dispatch()).toEqual({ sent: 3, retried: 1, failed: 0 });
    const row = (await alertRows()).filter((r) => r.channel === "hook").at(-1)!;
    expect(row).toMatchObject({ status: "pending", last_error: expect.stringContaining("HTTP 503") });
    expect(Date.parse(row.next_attempt_at) - clock.getTime()).toBe(30_000);
    expect(await dispatch()).toEqual({ sent: 0, retried: 0, failed: 0 });
    clock = new Date(clock.getTime() + 30_000);
    expect(await dispatch()).toEqual({ sent: 0, retried: 1, failed: 0 });
    clock = new Date(clock.getTime() + 60_000);
    expect(await dispatch()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(receiver.on("/hook").map((r) => JSON.parse(r.body).alert.type)).toEqual([
      "regressed",
      "resolved",
      "regressed",
    ]);
    const done = (await alertRows()).filter((r) => r.channel === "hook").at(-1)!;
    expect(done).toMatchObject({ status: "sent", attempts: 3 });
  });

  it("sends the held alerts of a digest channel in one message", async () => {
    expect(await buildDigests(app.assay.store, app.assay.options.alerts, clock)).toBe(1);
    expect(await buildDigests(app.assay.store, app.assay.options.alerts, clock)).toBe(0);
    expect((await dispatch()).sent).toBe(1);
    const daily = receiver.on("/daily");
    expect(daily).toHaveLength(1);
    const body = JSON.parse(daily[0]!.body);
    expect(body.kind).toBe("digest");
    expect(body.alerts.map((a: { ruleId: string; type: string }) => `${a.type} ${a.ruleId}`)).toEqual([
      "regressed DEV-PATCH-001",
    ]);
  });
});

// Only where PostgreSQL is available (always in CI, see fixtures.databases): the scale-out case.
describe.each(databases().filter((d) => d.name === "postgres"))(
  "alert outbox with two store processes on $name",
  (database) => {
    let tdb: TestDatabase;
    let app: FastifyInstance;
    let agent: TestAgent;
    let receiver: WebhookReceiver;
    let smtp: SmtpReceiver;
    let clock = new Date("2026-03-01T08:00:00Z");

    const send = async (findings: FindingSpec[]) => {
      const res = await postReport(app, agent, signedReport(agent, findings, clock));
      expect(res.statusCode, res.body).toBe(201);
    };
    const dispatch = (target = app) =>
      dispatchOutbox(target.assay.store, target.assay.options.alerts, {
        instanceId: target.assay.instanceId,
        now: () => clock,
      });
    const alertRows = () => app.assay.store.db.selectFrom("alerts").selectAll().orderBy("id").execute();
    const enc = (status: "pass" | "fail"): FindingSpec => ({
      ruleId: "DEV-ENC-001",
      resourceUid: "web-01",
      status,
    });

    beforeAll(async () => {
      receiver = await WebhookReceiver.start();
      smtp = await SmtpReceiver.start();
      tdb = await freshDatabase(database);
      app = await testApp(tdb.options, alertConfig(receiver, smtp), { now: () => clock });
      agent = await enrolAgent(app);
    });
    afterAll(async () => {
      await app?.close();
      await tdb?.drop();
      await receiver?.stop();
      await smtp?.stop();
    });

    it("two store processes on one PostgreSQL send each alert exactly once", async () => {
      const second = await testApp(tdb.options, alertConfig(receiver, smtp), { now: () => clock });
      try {
        const before = receiver.received.length;
        await send([enc("pass")]);
        const many: FindingSpec[] = Array.from({ length: 30 }, (_, i) => ({
          ruleId: "DEV-SSH-001",
          resourceUid: `srv-${i}`,
          status: "pass",
        }));
        clock = new Date(clock.getTime() + 3600_000);
        await send(many);
        clock = new Date(clock.getTime() + 3600_000);
        await send(many.map((f) => ({ ...f, status: "fail" as const })));
        const queued = (await alertRows()).filter((r) => r.status === "pending").length;
        expect(queued).toBe(120);

        receiver.delayMs = 3;
        const drain = async (target: FastifyInstance) => {
          let sent = 0;
          for (;;) {
            const r = await dispatch(target);
            if (r.sent + r.retried + r.failed === 0) return sent;
            sent += r.sent;
          }
        };
        const [a, b] = await Promise.all([drain(app), drain(second)]);
        receiver.delayMs = 0;
        expect(a + b).toBe(120);
        expect(a).toBeGreaterThan(0);
        expect(b).toBeGreaterThan(0);

        const fresh = receiver.received.slice(before);
        const hookIds = fresh.filter((r) => r.path === "/hook").map((r) => JSON.parse(r.body).alert.eventId);
        expect(hookIds).toHaveLength(30);
        expect(new Set(hookIds).size).toBe(30);
        expect(fresh.filter((r) => r.path === "/slack")).toHaveLength(30);
        expect(fresh.filter((r) => r.path === "/teams")).toHaveLength(30);
        const rows = (await alertRows()).filter((r) => r.status === "sent" && r.claimed_by !== null);
        expect(new Set(rows.map((r) => r.claimed_by)).size).toBe(2);
      } finally {
        await second.close();
      }
    });
  },
);
