import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distinctValues, type emptyCounts, posture } from "../../../src/store/dashboard/queries.js";
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

  it("posture: one scan counts each result under its framework, policy and severity; an approved exception moves a failure to excepted in all three", async () => {
    const db = app.assay.store.db;
    const before = await posture(app.assay);
    const total = (m: Map<string, ReturnType<typeof emptyCounts>>) =>
      [...m.values()].reduce((s, c) => s + c.pass + c.fail + c.excepted + c.error + c.skip, 0);
    const rows = await db.selectFrom("current_state").selectAll().execute();
    expect(total(before.policy)).toBe(rows.length);
    expect(total(before.severity)).toBe(rows.length);
    const failing = rows.find((r) => r.status === "fail")!;
    await db
      .insertInto("store_exceptions")
      .values({
        id: "01JEXCEPTION0000000000000A",
        rule_id: failing.rule_id,
        resource: failing.resource_uid,
        owner: "ops",
        reason: "compensating control",
        expires: "2999-01-01",
        requested_by: "a",
        requested_at: new Date().toISOString(),
        approved_by: "b",
        approved_at: new Date().toISOString(),
        revoked_by: null,
        revoked_at: null,
        ledger_seq: 1,
      })
      .execute();
    const after = await posture(app.assay);
    for (const [column, key] of [
      ["policy", failing.policy],
      ["severity", failing.severity],
      ["controls", failing.controls.split("|")[1]!.split(":")[0]!],
    ] as const) {
      expect(after[column].get(key)!.excepted).toBe(before[column].get(key)!.excepted + 1);
      expect(after[column].get(key)!.fail).toBe(before[column].get(key)!.fail - 1);
    }
    await db.deleteFrom("store_exceptions").execute();
  });

  it("an empty table gives an empty list, not [null]", async () => {
    await app.assay.store.db.deleteFrom("current_state").execute();
    expect(await distinctValues(app.assay, ["current_state", "policy"])).toEqual([]);
  });
});
