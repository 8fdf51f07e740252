import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveException, requestException } from "../../src/store/exceptions.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  signedReport,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

describe.each(databases())("posture with a framework catalogue on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let auditor: string;
  let frameworks: string;

  beforeAll(async () => {
    frameworks = mkdtempSync(join(tmpdir(), "assay-frameworks-"));
    writeFileSync(
      join(frameworks, "iso27001-2022.yaml"),
      [
        "framework: iso27001-2022",
        "title: ISO/IEC 27001:2022 Annex A",
        "controls:",
        "  - id: A.8.24",
        "    title: Use of cryptography",
        "    rules: [DEV-ENC-001]",
        "  - id: A.5.1",
        "    title: Policies for information security",
        "    rules: []",
        "  - id: A.8.9",
        "    title: Configuration management",
        "    rules: [DEV-SSH-001]",
        "  - id: A.8.8",
        "    title: Management of technical vulnerabilities",
        "    rules: [DEV-PATCH-001, DEV-NEVER-REPORTED-001]",
        "  - id: A.5.15",
        "    title: Access control",
        "    rules: [AWS-IAM-001]",
      ].join("\n"),
    );
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { frameworksDir: frameworks });
    auditor = await personToken(app, "auditor");
    const agent = await enrolAgent(app);
    const res = await postReport(
      app,
      agent,
      signedReport(agent, [
        { ruleId: "DEV-ENC-001", resourceUid: "a", status: "pass" },
        { ruleId: "DEV-ENC-001", resourceUid: "b", status: "fail" },
        { ruleId: "DEV-ENC-001", resourceUid: "c", status: "skip" },
        { ruleId: "DEV-SSH-001", resourceUid: "a", status: "pass" },
        { ruleId: "DEV-SSH-001", resourceUid: "c", status: "skip" },
        { ruleId: "DEV-PATCH-001", resourceUid: "a", status: "pass" },
        { ruleId: "AWS-IAM-001", resourceUid: "a", status: "skip" },
      ]),
    );
    expect(res.statusCode).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
    rmSync(frameworks, { recursive: true, force: true });
  });

  it("lists catalogue controls with titles, and those no automated rule evidences", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/posture?by=control",
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.byPolicy).toBeUndefined();
    expect(body.byControl).toEqual(
      expect.arrayContaining([
        {
          control: "iso27001-2022:A.5.1",
          pass: 0,
          fail: 0,
          error: 0,
          skip: 0,
          passRate: null,
          title: "Policies for information security",
          automated: false,
          status: "manual",
          rules: [],
        },
        {
          control: "iso27001-2022:A.8.24",
          pass: 1,
          fail: 1,
          error: 0,
          skip: 1,
          passRate: 0.5,
          title: "Use of cryptography",
          automated: true,
          status: "failing",
          rules: [
            { rule: "DEV-ENC-001", status: "failing", pass: 1, fail: 1, excepted: 0, error: 0, skip: 1 },
          ],
        },
      ]),
    );
  });

  it("says a control is satisfied only when every mapped rule has passed; otherwise partial or not assessed", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/posture?by=control",
      headers: { authorization: `Bearer ${auditor}` },
    });
    const rows = res.json().byControl as { control: string; status: string; rules: { status: string }[] }[];
    const status = (id: string) => rows.find((r) => r.control === `iso27001-2022:${id}`);
    expect(status("A.8.9")?.status).toBe("satisfied");
    // One of its two rules has never been reported: not every automated check ran.
    expect(status("A.8.8")?.status).toBe("partial");
    expect(status("A.8.8")?.rules.map((r) => r.status)).toEqual(["passing", "not-evaluated"]);
    // Skipped everywhere: nothing was in scope, so nothing was checked.
    expect(status("A.5.15")?.status).toBe("not-assessed");
  });

  it("lists every seed control statement by policy, manual ones with the evidence to ask for", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/posture?by=policy",
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(res.statusCode).toBe(200);
    const rows = res.json().byPolicy as {
      policy: string;
      status: string;
      name: string | null;
      rules: { rule: string; status: string }[];
      manual?: string[];
    }[];
    const row = (policy: string) => rows.find((r) => r.policy === policy);
    // No rule checks penetration testing: manual, with what to gather by hand.
    expect(row("penetration-testing")).toMatchObject({ status: "manual", pass: 0, fail: 0, rules: [] });
    expect(row("penetration-testing")?.manual?.[0]).toMatch(/penetration test report/);
    // DEV-ENC-001 failed on one device; the shipped encryption rules no agent reported are listed, not run.
    expect(row("encryption")?.status).toBe("failing");
    expect(row("encryption")?.rules).toContainEqual(
      expect.objectContaining({ rule: "AWS-EBS-002", status: "not-evaluated" }),
    );
    expect(row("encryption")?.name).toBe("Encryption of devices and transfers");
  });

  it("counts failures an approved store exception covers as excepted: the control is excepted, not satisfied", async () => {
    const { store } = app.assay;
    const now = app.assay.now();
    const request = await requestException(
      store.db,
      store.dialect,
      {
        ruleId: "DEV-ENC-001",
        resource: "b",
        owner: "IT lead",
        reason: "Replacement laptop on order",
        expires: new Date(now.getTime() + 30 * 86_400_000).toISOString().slice(0, 10),
      },
      "lead-a",
      now,
    );
    await approveException(store.db, store.dialect, request.id, "admin-b", now);
    const res = await app.inject({
      method: "GET",
      url: "/v1/posture?by=control",
      headers: { authorization: `Bearer ${auditor}` },
    });
    const row = (res.json().byControl as { control: string; status: string; rules: unknown[] }[]).find(
      (r) => r.control === "iso27001-2022:A.8.24",
    );
    expect(row?.status).toBe("excepted");
    expect(row?.rules).toEqual([
      { rule: "DEV-ENC-001", status: "excepted", pass: 1, fail: 0, excepted: 1, error: 0, skip: 1 },
    ]);
  });

  it("refuses an unknown grouping with the field named", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/posture?by=colour",
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("by.0");
  });
});
