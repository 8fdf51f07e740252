import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distinctValues } from "../../../src/store/dashboard/queries.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  postReport,
  realisticFindings,
  signedReport,
  type TestDatabase,
  testApp,
} from "../fixtures.js";

/** The filter lists' loose index scan returns exactly what a plain DISTINCT would, sorted, on both databases. */
describe.each(databases())("distinctValues on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options);
    for (const [group, host] of [
      ["laptops", "a"],
      ["servers", "b"],
      ["laptops", "c"],
    ] as const) {
      const agent = await enrolAgent(app, group, host);
      expect((await postReport(app, agent, signedReport(agent, realisticFindings(host)))).statusCode).toBe(
        201,
      );
    }
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("policies, rule ids and groups equal SELECT DISTINCT … ORDER BY", async () => {
    const db = app.assay.store.db;
    const plain = async (table: "current_state" | "agents", column: "policy" | "rule_id" | "group_name") =>
      (
        await db
          .selectFrom(table)
          .select(column as never)
          .distinct()
          .orderBy(column as never)
          .execute()
      ).map((r) => (r as Record<string, string>)[column]!);
    const policies = await distinctValues(app.assay, ["current_state", "policy"]);
    expect(policies.length).toBeGreaterThan(2);
    expect(policies).toEqual(await plain("current_state", "policy"));
    expect(await distinctValues(app.assay, ["current_state", "rule_id"])).toEqual(
      await plain("current_state", "rule_id"),
    );
    expect(await distinctValues(app.assay, ["agents", "group_name"])).toEqual(["laptops", "servers"]);
  });

  it("an empty table gives an empty list, not [null]", async () => {
    await app.assay.store.db.deleteFrom("current_state").execute();
    expect(await distinctValues(app.assay, ["current_state", "policy"])).toEqual([]);
  });
});
