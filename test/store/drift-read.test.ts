import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSilentAgents, checkStuckAgents } from "../../src/store/silence.js";
import {
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

describe.each(databases())("drift and read APIs on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let lead: string;
  let clock = new Date("2026-01-10T09:00:00Z");

  const get = async (url: string) => {
    const res = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${lead}` } });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };
  const send = async (findings: FindingSpec[]) => {
    const res = await postReport(app, agent, signedReport(agent, findings, clock));
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; ledgerSeq: number };
  };
  const eventsOf = async (reportId: string) => {
    const { events } = (await get("/v1/drift?limit=100")).json() as {
      events: {
        type: string;
        reportId: string;
        resourceUid: string;
        ruleId: string;
        from: string | null;
        to: string | null;
      }[];
    };
    return events
      .filter((e) => e.reportId === reportId)
      .map((e) => `${e.type} ${e.resourceUid}/${e.ruleId} ${e.from}->${e.to}`)
      .sort();
  };

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(
      tdb.options,
      { checkIn: { defaultSeconds: 3600, groups: { laptops: 600 } } },
      { now: () => clock },
    );
    agent = await enrolAgent(app, "servers");
    lead = await personToken(app, "lead");
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("records each transition as one event and writes only what changed", async () => {
    const first = await send([
      { ruleId: "DEV-ENC-001", resourceUid: "host-a", status: "pass" },
      { ruleId: "DEV-SSH-001", resourceUid: "host-a", status: "fail" },
      { ruleId: "DEV-PATCH-001", resourceUid: "host-a", status: "pass" },
      { ruleId: "DEV-ENC-001", resourceUid: "host-b", status: "pass" },
    ]);
    expect(await eventsOf(first.id)).toEqual([
      "new host-a/DEV-ENC-001 null->pass",
      "new host-a/DEV-PATCH-001 null->pass",
      "new host-a/DEV-SSH-001 null->fail",
      "new host-b/DEV-ENC-001 null->pass",
    ]);

    clock = new Date("2026-01-10T10:00:00Z");
    const second = await send([
      { ruleId: "DEV-ENC-001", resourceUid: "host-a", status: "fail" },
      { ruleId: "DEV-SSH-001", resourceUid: "host-a", status: "pass" },
      { ruleId: "DEV-PATCH-001", resourceUid: "host-a", status: "error" },
    ]);
    expect(await eventsOf(second.id)).toEqual([
      "changed host-a/DEV-PATCH-001 pass->error",
      "gone host-b/DEV-ENC-001 pass->null",
      "regressed host-a/DEV-ENC-001 pass->fail",
      "resolved host-a/DEV-SSH-001 fail->pass",
    ]);

    clock = new Date("2026-01-10T11:00:00Z");
    const unchanged = await send([
      { ruleId: "DEV-ENC-001", resourceUid: "host-a", status: "fail" },
      { ruleId: "DEV-SSH-001", resourceUid: "host-a", status: "pass" },
      { ruleId: "DEV-PATCH-001", resourceUid: "host-a", status: "error" },
    ]);
    expect(await eventsOf(unchanged.id)).toEqual([]);
    const state = await app.assay.store.db
      .selectFrom("current_state")
      .select(["resource_uid", "rule_id", "report_id"])
      .execute();
    // Unchanged pairs keep pointing at the report that last changed them.
    expect(state.every((s) => s.report_id !== unchanged.id)).toBe(true);
    expect(state).toHaveLength(3);
  });

  it("a partial scan (rule not run) is not a disappearance", async () => {
    clock = new Date("2026-01-10T12:00:00Z");
    const partial = await send([{ ruleId: "DEV-SSH-001", resourceUid: "host-a", status: "pass" }]);
    expect(await eventsOf(partial.id)).toEqual([]);
  });

  it("filters drift by type, rule and time", async () => {
    const regressed = (await get("/v1/drift?type=regressed")).json().events;
    expect(regressed).toHaveLength(1);
    expect(regressed[0]).toMatchObject({
      ruleId: "DEV-ENC-001",
      resourceUid: "host-a",
      controls: expect.arrayContaining(["iso27001-2022:A.8.24"]),
    });
    expect(
      (await get("/v1/drift?rule=DEV-SSH-001")).json().events.map((e: { type: string }) => e.type),
    ).toEqual(["resolved", "new"]);
    expect((await get("/v1/drift?since=2026-01-10T09:30:00Z")).json().events).toHaveLength(4);
    const bad = await app.inject({
      method: "GET",
      url: "/v1/drift?since=yesterday",
      headers: { authorization: `Bearer ${lead}` },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("since");
  });

  it("raises agent-silent once per silence, with the group's window, and clears it on contact", async () => {
    const laptop = await enrolAgent(app, "laptops", "laptop-1");
    clock = new Date(clock.getTime() + 601_000);
    const raised = await checkSilentAgents(app.assay.store, app.assay.options, clock);
    // The laptop (600 s window) is silent; the server (3600 s window, last report 601 s ago) is not.
    expect(raised.map((e) => e.agent_id)).toEqual([laptop.agentId]);
    expect(await checkSilentAgents(app.assay.store, app.assay.options, clock)).toEqual([]);

    const hb = await app.inject({
      method: "POST",
      url: "/v1/heartbeat",
      headers: { authorization: `Bearer ${laptop.token}` },
      payload: {},
    });
    expect(hb.statusCode).toBe(204);
    clock = new Date(clock.getTime() + 3601_000);
    const again = await checkSilentAgents(app.assay.store, app.assay.options, clock);
    expect(again.map((e) => e.agent_id).sort()).toEqual([agent.agentId, laptop.agentId].sort());
    const events = (await get("/v1/drift?type=agent-silent")).json().events;
    expect(events).toHaveLength(3);
  });

  it("reports posture by control, policy, rule and asset", async () => {
    const body = (await get("/v1/posture")).json();
    expect(body.totals).toMatchObject({ pass: 1, fail: 1, error: 1, skip: 0, passRate: 0.3333 });
    expect(body.byRule).toEqual(
      expect.arrayContaining([expect.objectContaining({ rule: "DEV-ENC-001", fail: 1, passRate: 0 })]),
    );
    expect(body.byPolicy).toEqual(
      expect.arrayContaining([expect.objectContaining({ policy: "remote-access", pass: 1, passRate: 1 })]),
    );
    expect(body.byAsset).toEqual([expect.objectContaining({ asset: "host-a", pass: 1, fail: 1, error: 1 })]);
    expect(body.byControl).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ control: "iso27001-2022:A.8.24", fail: 1, automated: true }),
      ]),
    );
  });

  it("lists assets with their current counts", async () => {
    const { assets } = (await get("/v1/assets")).json();
    expect(assets.map((a: { uid: string }) => a.uid)).toEqual(["host-a", "host-b"]);
    expect(assets[0]).toMatchObject({ type: "device", findings: { pass: 1, fail: 1, error: 1, skip: 0 } });
  });

  it("streams evidence for a control and period as JSON lines, each traceable to its ledger entry", async () => {
    const res = await get(
      "/v1/evidence?control=iso27001-2022:A.8.24&from=2026-01-10T09:30:00Z&to=2026-01-10T10:30:00Z",
    );
    expect(res.headers["content-type"]).toContain("application/x-ndjson");
    const rows = res.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      ruleId: "DEV-ENC-001",
      resourceUid: "host-a",
      status: "fail",
      ledgerSeq: 3, // entry 1 is the agent's enrolment
    });
    const { entries } = (await get("/v1/ledger")).json();
    const entry = entries.find((e: { seq: number }) => e.seq === rows[0].ledgerSeq);
    expect(rows[0].ledgerEntryHash).toBe(entry.entryHash);
    expect(rows[0].reportHash).toBe(entry.contentHash);
    expect(rows[0].reportId).toBe(entry.ref);
    expect(rows[0].evidence["encryption.enabled"]).toEqual({
      value: false,
      source: "api: s3:GetBucketEncryption",
    });
  });

  it("streams the same evidence as CSV", async () => {
    const res = await get("/v1/evidence?control=iso27001-2022:A.8.9&format=csv");
    expect(res.headers["content-type"]).toContain("text/csv");
    const lines = res.body.trim().split("\n");
    expect(lines[0]).toBe(
      "observed_at,rule_id,resource_uid,resource_type,status,severity,policy,controls,message,evidence,report_id,ledger_seq,ledger_entry_hash,report_hash,failing_since",
    );
    // DEV-SSH-001 on host-a, in four reports.
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain("DEV-SSH-001,host-a,device,fail");
  });

  it("diffs reports committed in one batch in ledger order", async () => {
    const { prepareReport } = await import("../../src/store/prepare.js");
    const { createPublicKey } = await import("node:crypto");
    const batcher = await enrolAgent(app, "servers", "batch-host");
    const key = createPublicKey(batcher.keys.publicKeyPem);
    const spec = (status: "pass" | "fail", uid = "batch-host"): FindingSpec[] => [
      { ruleId: "DEV-ENC-001", resourceUid: uid, status },
    ];
    const reports = [
      spec("pass", "warm-up"),
      spec("pass"),
      spec("fail"),
      spec("fail"),
      spec("pass", "other-host"),
    ].map((f) => prepareReport(signedReport(batcher, f, clock), { id: batcher.agentId, key }, clock));
    const results = await Promise.all(reports.map((r) => app.assay.writer.submit(r)));
    expect(results.map((r) => r.ledgerSeq)).toEqual(
      [...results.map((r) => r.ledgerSeq)].sort((a, b) => a - b),
    );
    const events = (await get(`/v1/drift?agent=${batcher.agentId}&limit=50`)).json().events as {
      type: string;
      resourceUid: string;
      ledgerSeq: number;
    }[];
    expect(
      events.reverse().map((e) => `${e.type} ${e.resourceUid} @${e.ledgerSeq - results[0]!.ledgerSeq}`),
    ).toEqual([
      "new warm-up @0",
      "new batch-host @1",
      "gone warm-up @1",
      "regressed batch-host @2",
      "new other-host @4",
      "gone batch-host @4",
    ]);
    const state = await app.assay.store.db
      .selectFrom("current_state")
      .selectAll()
      .where("agent_id", "=", batcher.agentId)
      .execute();
    expect(state.map((s) => `${s.resource_uid} ${s.status}`)).toEqual(["other-host pass"]);
  });
  it("raises agent-stuck once when an alive agent's spool keeps growing, and clears it when the spool drains", async () => {
    const stuck = await enrolAgent(app, "laptops", "laptop-stuck");
    const beat = async (spooled: number, lastError?: string) => {
      const res = await app.inject({
        method: "POST",
        url: "/v1/heartbeat",
        headers: { authorization: `Bearer ${stuck.token}` },
        payload: {
          agentId: stuck.agentId,
          spooled,
          spoolBytes: spooled * 20_000,
          ...(lastError ? { lastError } : {}),
        },
      });
      expect(res.statusCode, res.body).toBe(204);
    };
    const sixHours = 6 * 3600_000;
    await beat(1);
    clock = new Date(clock.getTime() + 60_000);
    await beat(2, "disk full: report 01J… was NOT kept (/var/lib/assay/spool: ENOSPC)");
    clock = new Date(clock.getTime() + 60_000);
    await beat(2);
    // Not yet six hours of growth.
    expect(
      (await checkStuckAgents(app.assay.store, app.assay.options, clock)).map((e) => e.agent_id),
    ).toEqual([]);
    clock = new Date(clock.getTime() + sixHours);
    await beat(3, "disk full: report 01J… was NOT kept (/var/lib/assay/spool: ENOSPC)");
    const raised = await checkStuckAgents(app.assay.store, app.assay.options, clock);
    expect(raised.map((e) => [e.type, e.agent_id])).toEqual([["agent-stuck", stuck.agentId]]);
    expect(raised[0]?.message).toMatch(/spool has grown .* to 3 report\(s\).*disk full/);
    expect(await checkStuckAgents(app.assay.store, app.assay.options, clock)).toEqual([]);
    const admin = await personToken(app, "admin");
    const agents = await app.inject({
      method: "GET",
      url: "/v1/agents",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(agents.json().agents.find((a: { id: string }) => a.id === stuck.agentId)).toMatchObject({
      spooled: 3,
      spoolBytes: 60_000,
      lastError: expect.stringMatching(/^disk full/),
      stuckSince: clock.toISOString(),
    });
    // Draining clears it; growing again starts a new episode, raised again only after another window.
    await beat(1);
    clock = new Date(clock.getTime() + sixHours + 1000);
    expect(await checkStuckAgents(app.assay.store, app.assay.options, clock)).toEqual([]);
    await beat(2);
    clock = new Date(clock.getTime() + sixHours + 1000);
    expect((await checkStuckAgents(app.assay.store, app.assay.options, clock)).map((e) => e.type)).toEqual([
      "agent-stuck",
    ]);
    expect((await get("/v1/drift?type=agent-stuck")).json().events).toHaveLength(2);
    // Events the store raises about agents are not derived from the ledger, and verify knows it.
    expect((await get("/v1/ledger/verify")).json()).toMatchObject({ ok: true });
    const bad = await app.inject({
      method: "POST",
      url: "/v1/heartbeat",
      headers: { authorization: `Bearer ${stuck.token}` },
      payload: { spooled: -1 },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("lists what fails now with since when it has failed, longest first, paged and filtered", async () => {
    const owner = await enrolAgent(app, "servers", "failing-01");
    const at = async (iso: string, findings: FindingSpec[]) => {
      clock = new Date(iso);
      const res = await postReport(app, owner, signedReport(owner, findings, clock));
      expect(res.statusCode, res.body).toBe(201);
    };
    const patch = { ruleId: "DEV-PATCH-001", resourceUid: "fail-a", controls: ["iso27001-2022:A.8.8"] };
    const ssh = { ruleId: "DEV-SSH-001", resourceUid: "fail-b", controls: ["iso27001-2022:A.8.9"] };
    await at("2026-03-01T08:00:00Z", [
      { ...patch, status: "fail" },
      { ...ssh, status: "pass" },
    ]);
    await at("2026-03-05T08:00:00Z", [
      { ...patch, status: "fail" },
      { ...ssh, status: "fail" },
    ]);
    // Still failing: the start stays the first failing report's.
    await at("2026-03-10T08:00:00Z", [
      { ...patch, status: "fail" },
      { ...ssh, status: "fail" },
    ]);
    const list = async (query: string) =>
      (await get(`/v1/failing?agent=${owner.agentId}${query}`)).json() as {
        failing: { resourceUid: string; ruleId: string; failingSince: string; failingDays: number }[];
        next?: string;
      };
    const all = await list("");
    expect(all.failing.map((f) => [f.resourceUid, f.ruleId, f.failingSince, f.failingDays])).toEqual([
      ["fail-a", "DEV-PATCH-001", "2026-03-01T08:00:00.000Z", 9],
      ["fail-b", "DEV-SSH-001", "2026-03-05T08:00:00.000Z", 5],
    ]);
    const page = await list("&limit=1");
    expect(page.failing.map((f) => f.resourceUid)).toEqual(["fail-a"]);
    expect((await list(`&limit=1&after=${page.next}`)).failing.map((f) => f.resourceUid)).toEqual(["fail-b"]);
    expect((await list("&control=iso27001-2022:A.8.9")).failing.map((f) => f.ruleId)).toEqual([
      "DEV-SSH-001",
    ]);
    // Failing for at least a week: only the pair that started on 1 March.
    expect((await list("&minDays=7")).failing.map((f) => f.ruleId)).toEqual(["DEV-PATCH-001"]);
    // A fix ends the failure; failing again starts a new one.
    await at("2026-03-11T08:00:00Z", [
      { ...patch, status: "pass" },
      { ...ssh, status: "fail" },
    ]);
    await at("2026-03-12T08:00:00Z", [
      { ...patch, status: "fail" },
      { ...ssh, status: "fail" },
    ]);
    expect((await list("")).failing.map((f) => `${f.ruleId} ${f.failingSince}`)).toEqual([
      "DEV-SSH-001 2026-03-05T08:00:00.000Z",
      "DEV-PATCH-001 2026-03-12T08:00:00.000Z",
    ]);
    // `since` is replayed from the ledger by verify, like every derived column.
    expect((await get("/v1/ledger/verify")).json()).toMatchObject({ ok: true });
    const bad = await app.inject({
      method: "GET",
      url: "/v1/failing?after=nonsense",
      headers: { authorization: `Bearer ${lead}` },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "STORE_BAD_REQUEST", field: "after" });
  });
});
