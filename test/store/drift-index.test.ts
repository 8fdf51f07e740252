import { describe, expect, it } from "vitest";
import type { CurrentStateTable } from "../../src/store/db/schema.js";
import { diffState, pairKey } from "../../src/store/drift.js";
import { buildReport } from "./fixtures.js";

/**
 * The ingest writer hands diffState the keys of the reporting agent's own pairs, so a report's `gone`
 * check does not scan the state of every agent in the batch. The result must be the same as the scan.
 */
function stateRow(agentId: string, resourceUid: string, ruleId: string, status: string): CurrentStateTable {
  return {
    resource_uid: resourceUid,
    rule_id: ruleId,
    agent_id: agentId,
    resource_type: "device",
    status,
    severity: "high",
    policy: "encryption",
    controls: "|iso27001-2022:A.8.24|",
    since: "2026-04-01T00:00:00.000Z",
    last_seen_at: "2026-04-01T00:00:00.000Z",
    report_id: "R0",
    ledger_seq: 1,
  };
}

describe("diffState with the agent's own pairs", () => {
  it("finds the same changes and gone pairs as scanning the whole state", () => {
    const previous = new Map<string, CurrentStateTable>();
    const own = new Set<string>();
    const add = (row: CurrentStateTable) => {
      const key = pairKey(row.resource_uid, row.rule_id);
      previous.set(key, row);
      if (row.agent_id === "agent-a") own.add(key);
    };
    // agent-a held three pairs; other agents hold many more (the rest of a batch's state).
    add(stateRow("agent-a", "host-a", "DEV-ENC-001", "pass"));
    add(stateRow("agent-a", "host-a", "DEV-PATCH-001", "pass"));
    add(stateRow("agent-a", "host-old", "DEV-ENC-001", "fail"));
    for (let i = 0; i < 50; i++) add(stateRow(`agent-${i}`, `host-${i}`, "DEV-ENC-001", "pass"));
    const report = buildReport({ agentId: "agent-a" }, [
      { ruleId: "DEV-ENC-001", resourceUid: "host-a", status: "fail" },
      { ruleId: "DEV-PATCH-001", resourceUid: "host-a", status: "pass" },
      { ruleId: "DEV-SSH-001", resourceUid: "host-a", status: "pass" },
    ]);
    const context = { agentId: "agent-a", ledgerSeq: 7, at: "2026-04-02T00:00:00.000Z" };
    const scanned = diffState(previous, report, context);
    const indexed = diffState(previous, report, context, own);
    expect(indexed).toEqual(scanned);
    expect(indexed.events.map((e) => `${e.type} ${e.resource_uid} ${e.rule_id}`).sort()).toEqual([
      "gone host-old DEV-ENC-001",
      "new host-a DEV-SSH-001",
      "regressed host-a DEV-ENC-001",
    ]);
    // A key listed for the agent but no longer in the state (deleted earlier in the batch) is ignored.
    own.add(pairKey("host-gone", "DEV-ENC-001"));
    expect(diffState(previous, report, context, own)).toEqual(scanned);
  });
});
