import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNoteVerifierKey } from "../../../src/core/signed-note.js";
import { signReport } from "../../../src/core/signing.js";
import { verifyBundle } from "../../../src/evidence/verify.js";
import { oscalValidator } from "../../formats/validators.js";
import {
  buildReport,
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

const HOSTILE = `<script>alert(1)</script>\u202Egnp.exe "'&`;

async function cookieFor(app: FastifyInstance, role: "admin" | "lead" | "auditor"): Promise<string> {
  const token = await personToken(app, role);
  const res = await app.inject({
    method: "POST",
    url: "/sign-in",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ token }).toString(),
  });
  const match = /(__Host-assay_session=[^;]+)/.exec(String(res.headers["set-cookie"]));
  if (!match) throw new Error("sign-in failed");
  return match[1]!;
}

describe.each(databases())("dashboard pages on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let cookie: string;
  const get = (url: string) => app.inject({ method: "GET", url, headers: { cookie } });

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options);
    agent = await enrolAgent(app, "laptops", "laptop-7");
    cookie = await cookieFor(app, "auditor");
    const first = signedReport(
      agent,
      [
        { ruleId: "DEV-ENC-001", resourceUid: "device:laptop-7", status: "pass" },
        { ruleId: "DEV-SSH-001", resourceUid: "device:laptop-7", status: "pass" },
      ],
      new Date(Date.now() - 3_600_000),
    );
    expect((await postReport(app, agent, first)).statusCode).toBe(201);
    // The second report regresses DEV-SSH-001 with a hostile message and reports the device's inventory.
    const report = buildReport(agent, [
      { ruleId: "DEV-ENC-001", resourceUid: "device:laptop-7", status: "pass" },
      { ruleId: "DEV-SSH-001", resourceUid: "device:laptop-7", status: "fail" },
    ]);
    const device = report.resources.find((r) => r.uid === "device:laptop-7")!;
    device.type = "device";
    device.attributes = {
      ...device.attributes,
      os: { platform: "linux", distro: "Debian GNU/Linux", release: "12", kernel: "6.1.0", arch: "x64" },
      hardware: { manufacturer: "LENOVO", model: HOSTILE, serial: "PF3XYZ12" },
    };
    for (const f of report.findings)
      if (f.ruleId === "DEV-SSH-001") {
        f.message = HOSTILE;
        // A value, a fact the device does not have, and one the collector could not read.
        f.evidence = {
          "ssh.serverRunning": { value: true },
          "ssh.allowedUsers": {},
          "ssh.passwordAuthentication": { unreadable: "sshd -T: permission denied" },
        };
      }
    expect(
      (await postReport(app, agent, signReport(report, agent.keys.privateKeyPem, agent.agentId))).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("lists drift with filters, escaping what agents reported", async () => {
    const all = await get("/drift");
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain("regressed");
    expect(all.body).not.toContain("<script>alert(1)</script>");
    expect(all.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const none = await get("/drift?type=resolved");
    expect(none.body).toContain("No drift events.");
    const bad = await get("/drift?type=%3Cx%3E");
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toContain("text/html");
  });

  it("lists assets with their inventory and open failures, and searches them", async () => {
    const page = await get("/assets");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("PF3XYZ12");
    expect(page.body).toContain("Debian GNU/Linux 12");
    expect(page.body).not.toContain("<script>alert(1)</script>");
    const found = await get("/assets?q=pf3xyz");
    expect(found.body).toContain("device:laptop-7");
    const missing = await get("/assets?q=%25_nothing");
    expect(missing.body).toContain("No assets match.");
  });

  it("shows a resource's findings with evidence and a timeline per rule", async () => {
    const page = await get(`/resource?uid=${encodeURIComponent("device:laptop-7")}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("DEV-SSH-001");
    expect(page.body).toMatch(/regressed<\/span> pass → fail/);
    // Absent and unreadable evidence read differently: one was read and is not there, the other was not read.
    expect(page.body).toMatch(/ssh\.allowedUsers[\s\S]*?<em>absent<\/em>/);
    expect(page.body).toMatch(
      /ssh\.passwordAuthentication[\s\S]*?<em>not read<\/em>: sshd -T: permission denied/,
    );
    expect((await get("/resource?uid=device%3Anope")).statusCode).toBe(404);
  });

  it("shows each control's honest status, its rules and failing resources, and exports its evidence", async () => {
    const list = await get("/controls?framework=iso27001-2022");
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain("A.8.24");
    // A control no rule evidences is manual; one whose mapped rules never ran is not assessed.
    expect(list.body).toMatch(
      /A\.5\.1<\/a><\/td><td>Policies for information security<\/td><td><span class="status manual">/,
    );
    const control = await get("/control?framework=iso27001-2022&id=A.8.24");
    expect(control.statusCode).toBe(200);
    expect(control.body).toContain("DEV-ENC-001");
    expect(control.body).not.toContain("status satisfied");
    expect((await get("/control?framework=iso27001-2022&id=Z.9")).statusCode).toBe(404);
    const today = new Date().toISOString().slice(0, 10);
    const csv = await get(
      `/control/export?framework=iso27001-2022&id=A.8.24&from=2020-01-01&to=${today}&format=csv`,
    );
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.headers["content-disposition"]).toContain("attachment");
    expect(csv.body).toContain("DEV-ENC-001");
    // The evidence bundle of the control verifies offline against the store's key.
    const zip = await get(
      `/control/export?framework=iso27001-2022&id=A.8.24&from=2020-01-01&to=${today}&format=bundle`,
    );
    expect(zip.statusCode).toBe(200);
    expect(zip.headers["content-type"]).toBe("application/zip");
    const verified = await verifyBundle(zip.rawPayload, [parseNoteVerifierKey(app.assay.signer.vkey)]);
    expect(verified.failures).toEqual([]);
    // The same period's OSCAL assessment results on their own: valid OSCAL 1.2.0, the plan embedded.
    const oscal = await get(
      `/control/export?framework=iso27001-2022&id=A.8.24&from=2020-01-01&to=${today}&format=oscal`,
    );
    expect(oscal.statusCode).toBe(200);
    const doc = oscal.json() as { "assessment-results": { "import-ap": { href: string } } };
    expect(oscalValidator()(doc)).toEqual([]);
    expect(oscal.body).toContain('"base64"');
    const backwards = await get(
      `/control/export?framework=iso27001-2022&id=A.8.24&from=${today}&to=2020-01-01&format=csv`,
    );
    expect(backwards.statusCode).toBe(400);
  });

  it("exports since when each failing finding had failed, in JSON lines, CSV and OSCAL", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const exported = (format: string) =>
      get(`/control/export?framework=iso27001-2022&id=A.8.9&from=2020-01-01&to=${today}&format=${format}`);
    // DEV-SSH-001 passed in the first report and fails in the second: the run began with the second.
    const { since } = await app.assay.store.db
      .selectFrom("current_state")
      .select("since")
      .where("resource_uid", "=", "device:laptop-7")
      .where("rule_id", "=", "DEV-SSH-001")
      .executeTakeFirstOrThrow();
    const jsonl = await exported("jsonl");
    expect(jsonl.statusCode).toBe(200);
    const rows = jsonl.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: string; failingSince?: string });
    expect(rows.map((r) => [r.status, r.failingSince])).toEqual([
      ["pass", undefined],
      ["fail", since],
    ]);
    const csv = (await exported("csv")).body.trim().split("\n");
    expect(csv[0]!.split(",").at(-1)).toBe("failing_since");
    expect(csv[1]!.endsWith(",")).toBe(true);
    expect(csv[2]!.endsWith(`,${since}`)).toBe(true);
    const oscal = await exported("oscal");
    expect(oscal.statusCode).toBe(200);
    const doc = oscal.json() as {
      "assessment-results": {
        results: {
          remarks?: string;
          observations: { props: { name: string; ns: string; value: string }[] }[];
        }[];
      };
    };
    expect(oscalValidator()(doc)).toEqual([]);
    const [result] = doc["assessment-results"].results;
    const propsOf = (outcome: string) =>
      result!.observations.find((o) => o.props.some((p) => p.name === "outcome" && p.value === outcome))!
        .props;
    expect(propsOf("fail")).toContainEqual({ name: "failing-since", ns: expect.any(String), value: since });
    expect(propsOf("fail").find((p) => p.name === "failing-since")!.ns).toBe(
      propsOf("fail").find((p) => p.name === "rule-id")!.ns,
    );
    expect(propsOf("pass").some((p) => p.name === "failing-since")).toBe(false);
    expect(result!.remarks).toMatch(/failing-since .* `assay store verify`/);
  });

  it("verifies the ledger on request and shows the result", async () => {
    const page = await get("/ledger");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("agent-enrolled");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const res = await app.inject({
      method: "POST",
      url: "/ledger/verify",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("<strong>Verified.</strong>");
    const issued = await app.inject({
      method: "POST",
      url: "/v1/checkpoint",
      headers: { authorization: `Bearer ${await personToken(app, "admin")}` },
    });
    expect(issued.statusCode).toBeLessThan(300);
    const after = await get("/ledger");
    expect(after.body).toContain("Latest signed checkpoint");
    expect(after.body).toMatch(/<pre class="note">[^<]*\n— /);
  });

  it("keeps Admin to admins: tokens created once and revoked, agents revoked as ledger entries", async () => {
    expect((await get("/admin")).statusCode).toBe(403);
    const admin = await cookieFor(app, "admin");
    const page = await app.inject({ method: "GET", url: "/admin", headers: { cookie: admin } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("laptop-7");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = (url: string, form: Record<string, string>) =>
      app.inject({
        method: "POST",
        url,
        headers: { cookie: admin, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });
    const created = await post("/admin/tokens", { name: HOSTILE, role: "lead" });
    expect(created.statusCode).toBe(201);
    const token = /<code>(asp_[^<]+)<\/code>/.exec(created.body)![1]!;
    expect(created.body).not.toContain("<script>alert(1)</script>");
    const again = await app.inject({ method: "GET", url: "/admin", headers: { cookie: admin } });
    expect(again.body).not.toContain(token);
    const bad = await post("/admin/tokens", { name: "x", role: "root" });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("role");
    const id = token.slice(4, 30);
    expect((await post("/admin/tokens/revoke", { id })).statusCode).toBe(200);
    expect((await post("/admin/tokens/revoke", { id })).statusCode).toBe(404);
    const revoked = await post("/admin/agents/revoke", { id: agent.agentId });
    expect(revoked.statusCode).toBe(200);
    const entries = await app.assay.store.db.selectFrom("ledger").select("kind").execute();
    expect(entries.map((e) => e.kind)).toContain("agent-revoked");
  });
});
