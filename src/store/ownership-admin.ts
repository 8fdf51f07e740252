import type { Kysely } from "kysely";
import { z } from "zod";
import type { Dialect } from "./db/connect.js";
import type { Database } from "./db/schema.js";
import { HttpError } from "./http-error.js";
import { appendRecords } from "./records.js";

/**
 * The admin's changes of identity and ownership, shared by the HTTP routes and `assay store …`. Each is
 * one transaction: the table change and its ledger entry commit together or not at all.
 */

/** `provider:account`, as the resources of a report spell it (`aws:123456789012`, `gcp:my-project`). */
export const ScopeSchema = z
  .string()
  .max(300)
  .regex(/^[a-z][a-z0-9-]*:[\x21-\x7e]+$/, "must be provider:account, e.g. aws:123456789012");

export async function revokeAgent(
  db: Kysely<Database>,
  dialect: Dialect,
  input: { agentId: string; by: string; now: Date },
): Promise<void> {
  const at = input.now.toISOString();
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("agents")
      .set({ revoked_at: at })
      .where("id", "=", input.agentId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw new HttpError(404, "STORE_NOT_FOUND", `No active agent ${input.agentId}.`);
    await appendRecords(trx, dialect, [{ kind: "agent-revoked", agentId: input.agentId, at, by: input.by }]);
  });
}

/** Makes an agent a scanner identity for these cloud scopes (replacing its list; [] makes it a device agent). */
export async function setAgentScopes(
  db: Kysely<Database>,
  dialect: Dialect,
  input: { agentId: string; scopes: string[]; by: string; now: Date },
): Promise<string[]> {
  const scopes = [...new Set(input.scopes)].sort();
  const at = input.now.toISOString();
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable("agents")
      .set({ scopes: JSON.stringify(scopes) })
      .where("id", "=", input.agentId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw new HttpError(404, "STORE_NOT_FOUND", `No active agent ${input.agentId}.`);
    await appendRecords(trx, dialect, [
      { kind: "agent-scopes", agentId: input.agentId, scopes, at, by: input.by },
    ]);
  });
  return scopes;
}

/**
 * Binds a device resource to another agent (e.g. the device was re-enrolled and has a new agent id). Its
 * current-state rows follow, so the new agent's reports are compared with the device's history and its
 * `gone` checks cover them. Cloud resources follow scopes instead and cannot be re-bound.
 */
export async function rebindResource(
  db: Kysely<Database>,
  dialect: Dialect,
  input: { uid: string; agentId: string; reason: string; by: string; now: Date },
): Promise<{ uid: string; fromAgentId: string | null; toAgentId: string; ledgerSeq: number }> {
  const at = input.now.toISOString();
  return db.transaction().execute(async (trx) => {
    const agent = await trx
      .selectFrom("agents")
      .select(["id", "revoked_at"])
      .where("id", "=", input.agentId)
      .executeTakeFirst();
    if (!agent || agent.revoked_at !== null)
      throw new HttpError(404, "STORE_NOT_FOUND", `No active agent ${input.agentId}.`, "agentId");
    const owner = await trx
      .selectFrom("resource_owners")
      .selectAll()
      .where("uid", "=", input.uid)
      .executeTakeFirst();
    if (owner && owner.scope !== null) {
      throw new HttpError(
        409,
        "STORE_CLOUD_RESOURCE",
        `${input.uid} is a cloud resource of ${owner.scope}; it follows the agents' scopes and is not re-bound.`,
        "uid",
      );
    }
    const fromAgentId = owner?.agent_id ?? null;
    const [seq] = await appendRecords(trx, dialect, [
      {
        kind: "resource-rebound",
        uid: input.uid,
        fromAgentId,
        toAgentId: input.agentId,
        reason: input.reason,
        at,
        by: input.by,
      },
    ]);
    const row = { uid: input.uid, agent_id: input.agentId, scope: null, bound_at: at, ledger_seq: seq! };
    if (owner) await trx.updateTable("resource_owners").set(row).where("uid", "=", input.uid).execute();
    else await trx.insertInto("resource_owners").values(row).execute();
    await trx
      .updateTable("current_state")
      .set({ agent_id: input.agentId })
      .where("resource_uid", "=", input.uid)
      .execute();
    return { uid: input.uid, fromAgentId, toAgentId: input.agentId, ledgerSeq: seq! };
  });
}
