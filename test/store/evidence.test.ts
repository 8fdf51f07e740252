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
} from "./fixtures.js";

describe.each(databases())("evidence export across pages on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let auditor: string;
  const at = new Date("2026-04-01T12:00:00Z");

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options);
    auditor = await personToken(app, "auditor");
    const agents = [await enrolAgent(app), await enrolAgent(app, undefined, "web-02")];
    // 64 reports x 40 findings, all observed at the same instant: pages must split inside one timestamp.
    const posts = Array.from({ length: 64 }, (_, i) => {
      const agent = agents[i % 2]!;
      return postReport(app, agent, signedReport(agent, realisticFindings(`h${i}`), at));
    });
    for (const res of await Promise.all(posts)) expect(res.statusCode).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("streams every finding of the period exactly once, in time order, each with its ledger entry", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/v1/evidence?from=2026-04-01&to=2026-04-02",
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(res.statusCode).toBe(200);
    const rows = res.body
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            reportId: string;
            ruleId: string;
            resourceUid: string;
            ledgerSeq: number;
            ledgerEntryHash: string;
          },
      );
    expect(rows).toHaveLength(64 * 40);
    expect(new Set(rows.map((r) => `${r.reportId} ${r.ruleId} ${r.resourceUid}`)).size).toBe(64 * 40);
    const ledger = await app.assay.store.db
      .selectFrom("ledger")
      .select(["seq", "entry_hash", "ref"])
      .execute();
    const bySeq = new Map(ledger.map((l) => [Number(l.seq), l]));
    for (const row of rows) {
      expect(bySeq.get(row.ledgerSeq)).toMatchObject({ entry_hash: row.ledgerEntryHash, ref: row.reportId });
    }
  });

  it("filters by control and leaves periods outside out", async () => {
    const get = (q: string) =>
      app.inject({
        method: "GET",
        url: `/v1/evidence?${q}`,
        headers: { authorization: `Bearer ${auditor}` },
      });
    const a824 = (await get("control=iso27001-2022:A.8.24")).body.trim().split("\n");
    // DEV-ENC-001, AWS-S3-001 and AWS-KMS-001 map to A.8.24: 3 of the 6 rules in the pool.
    expect(a824.length).toBeGreaterThan(0);
    for (const line of a824) expect(JSON.parse(line).controls).toContain("iso27001-2022:A.8.24");
    expect((await get("to=2026-04-01T12:00:00Z")).body).toBe("");
    // LIKE wildcards in a control id match literally.
    expect((await get("control=iso27001-2022:A.8.2_")).body).toBe("");
    const bad = await get("control=");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("control");
  });
});
