import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countFindingsByDay } from "../../src/store/daily-results.js";
import { verifyLedger } from "../../src/store/verify.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  realisticFindings,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

/** The Overview chart's rollup: kept by ingest and retention, recomputed by verify (daily-results.ts). */
describe.each(databases())("daily_results on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let admin: string;
  let clock = new Date("2026-03-01T08:00:00Z");
  const day = 86_400_000;
  const stored = async () =>
    (
      await app.assay.store.db
        .selectFrom("daily_results")
        .selectAll()
        .orderBy("day")
        .orderBy("status")
        .execute()
    ).map((r) => ({ day: r.day, status: r.status, n: Number(r.n) }));
  const sorted = <T extends { day: string; status: string }>(rows: T[]) =>
    [...rows].sort((a, b) => a.day.localeCompare(b.day) || a.status.localeCompare(b.status));

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { retention: { days: 30 } }, { now: () => clock });
    agent = await enrolAgent(app);
    admin = await personToken(app, "admin");
    // Two reports on March 1 (one posted twice: a duplicate adds nothing), one on March 20.
    const first = signedReport(agent, realisticFindings("a"), new Date("2026-03-01T08:00:00Z"));
    expect((await postReport(app, agent, first)).statusCode).toBe(201);
    expect((await postReport(app, agent, first)).statusCode).toBe(200);
    const second = signedReport(agent, realisticFindings("a", 3), new Date("2026-03-01T18:00:00Z"));
    expect((await postReport(app, agent, second)).statusCode).toBe(201);
    clock = new Date("2026-03-20T08:00:00Z");
    const third = signedReport(agent, realisticFindings("a", 2), clock);
    expect((await postReport(app, agent, third)).statusCode).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("ingest keeps the count of each status per day equal to the findings table", async () => {
    const rows = await stored();
    expect(rows).toEqual(sorted(await countFindingsByDay(app.assay.store.db)));
    const march1 = rows.filter((r) => r.day === "2026-03-01");
    // 40 findings per report, two reports that day: 8 + 14 failures.
    expect(march1.reduce((s, r) => s + r.n, 0)).toBe(80);
    expect(march1.find((r) => r.status === "fail")?.n).toBe(8 + 14);
    expect((await verifyLedger(app.assay.store.db)).ok).toBe(true);
  });

  it("the Overview chart reads it: March 1's pass rate is on the page", async () => {
    const token = await personToken(app, "auditor");
    const signIn = await app.inject({
      method: "POST",
      url: "/sign-in",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ token }).toString(),
    });
    const cookie = /(__Host-assay_session=[^;]+)/.exec(String(signIn.headers["set-cookie"]))![1]!;
    const page = await app.inject({ method: "GET", url: "/", headers: { cookie } });
    expect(page.statusCode).toBe(200);
    // 58 of 80 findings passed on March 1, 20 of 40 on March 20.
    expect(page.body).toContain("<td>2026-03-01</td><td>72.5%</td><td>58</td><td>22</td>");
    expect(page.body).toContain("<td>2026-03-20</td><td>50.0%</td><td>20</td><td>20</td>");
  });

  it("retention subtracts what it disposes of; verify names a count that differs from the findings", async () => {
    clock = new Date(clock.getTime() + 15 * day); // April 4: March 1 is older than 30 days
    const res = await app.inject({
      method: "POST",
      url: "/v1/retention/run",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(200);
    const rows = await stored();
    expect(rows.map((r) => r.day)).not.toContain("2026-03-01");
    expect(rows).toEqual(sorted(await countFindingsByDay(app.assay.store.db)));

    await app.assay.store.db
      .updateTable("daily_results")
      .set({ n: 1000 })
      .where("day", "=", "2026-03-20")
      .where("status", "=", "pass")
      .execute();
    const result = await verifyLedger(app.assay.store.db);
    expect(result.ok).toBe(false);
    expect(result.counts.daily_results).toBe(1);
    expect(JSON.stringify(result)).toContain(
      "daily_results 2026-03-20 pass: stored 1000, the findings table has 20",
    );
  });
});
