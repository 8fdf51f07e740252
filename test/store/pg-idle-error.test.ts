import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, freshDatabase, personToken, type TestDatabase, testApp } from "./fixtures.js";

const postgres = databases().find((d) => d.name === "postgres");

/** A store must outlive PostgreSQL dropping one of its idle connections (a restart, an administrator). */
describe.skipIf(!postgres)("the store when PostgreSQL terminates an idle connection", () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await freshDatabase(postgres!);
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("logs it, keeps running and answers the next request on a new connection", async () => {
    const lines: string[] = [];
    const app = await testApp(
      { ...tdb.options, logLevel: "warn" },
      {},
      { logStream: { write: (l) => lines.push(l) } },
    );
    const token = await personToken(app, "auditor");
    const ask = () =>
      app.inject({ method: "GET", url: "/v1/posture", headers: { authorization: `Bearer ${token}` } });
    expect((await ask()).statusCode).toBe(200);
    const database = new URL(tdb.options.databaseUrl!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: postgres!.pgUrl });
    await admin.connect();
    const killed = await admin.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await ask()).statusCode).toBe(200);
    expect(lines.join("")).toContain("an idle PostgreSQL connection failed");
    await app.close();
  });
});
