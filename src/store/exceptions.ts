import type { Kysely } from "kysely";
import { ulid } from "ulid";
import { z } from "zod";
import type { Dialect } from "./db/connect.js";
import type { Database, StoreExceptionsTable } from "./db/schema.js";
import { HttpError } from "./http-error.js";
import { appendRecords, type IdentityRecord } from "./records.js";

/**
 * Accepted risks held by the store. A lead or admin requests one (rule, resource glob, owner, reason, expiry);
 * a different lead or admin approves it; anyone of those may revoke it; it lapses after its expiry date
 * (inclusive, UTC). Only an approved, unexpired, unrevoked exception applies: to alerts (a regression it
 * covers is recorded but not sent) and to the posture the store reports (its failures count as excepted).
 * Each change is a ledger record. The file-based exceptions of `assay scan --exceptions` are unchanged.
 */
export type ExceptionStatus = "pending" | "approved" | "expired" | "revoked";

export const ExceptionRequestSchema = z.strictObject({
  ruleId: z
    .string()
    .trim()
    .regex(/^[A-Z0-9][A-Z0-9-]{1,63}$/, "must be a rule id such as DEV-SSH-001"),
  resource: z
    .string()
    .trim()
    .max(1024)
    .transform((v) => (v === "" ? undefined : v))
    .optional(),
  owner: z.string().trim().min(1, "name who owns the risk").max(200),
  reason: z.string().trim().min(1, "say why the risk is accepted").max(2000),
  expires: z.iso.date("must be a date (YYYY-MM-DD)"),
});
export type ExceptionRequest = z.infer<typeof ExceptionRequestSchema>;

/** At most a year ahead: an accepted risk is reviewed at least yearly. */
const MAX_DAYS = 366;

export function exceptionStatus(e: StoreExceptionsTable, now: Date): ExceptionStatus {
  if (e.revoked_at) return "revoked";
  if (now.getTime() > Date.parse(`${e.expires}T23:59:59.999Z`)) return "expired";
  return e.approved_at ? "approved" : "pending";
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*");
  return new RegExp(`^${escaped}$`);
}

/** The applying exception for a (resource, rule), if any: approved, unexpired, not revoked, glob matching. */
export function exceptionFor(
  active: readonly StoreExceptionsTable[],
  ruleId: string,
  resourceUid: string,
  resourceName?: string,
): StoreExceptionsTable | undefined {
  return active.find((e) => {
    if (e.rule_id !== ruleId) return false;
    if (e.resource === null) return true;
    const glob = globToRegExp(e.resource);
    return glob.test(resourceUid) || (resourceName !== undefined && glob.test(resourceName));
  });
}

export async function activeExceptions(db: Kysely<Database>, now: Date): Promise<StoreExceptionsTable[]> {
  const rows = await db
    .selectFrom("store_exceptions")
    .selectAll()
    .where("approved_at", "is not", null)
    .where("revoked_at", "is", null)
    .where("expires", ">=", now.toISOString().slice(0, 10))
    .execute();
  return rows.filter((e) => exceptionStatus(e, now) === "approved");
}

/** Applies one exception record to the table's rows (the ledger fold; verify replays it the same way). */
export function foldException(
  rows: Map<string, StoreExceptionsTable>,
  record: IdentityRecord,
  seq: number,
): void {
  if (record.kind === "exception-requested") {
    rows.set(record.exceptionId, {
      id: record.exceptionId,
      rule_id: record.ruleId,
      resource: record.resource ?? null,
      owner: record.owner,
      reason: record.reason,
      expires: record.expires,
      requested_by: record.by,
      requested_at: record.at,
      approved_by: null,
      approved_at: null,
      revoked_by: null,
      revoked_at: null,
      ledger_seq: seq,
    });
  } else if (record.kind === "exception-approved" || record.kind === "exception-revoked") {
    const row = rows.get(record.exceptionId);
    if (!row) return;
    if (record.kind === "exception-approved") {
      row.approved_by = record.by;
      row.approved_at = record.at;
    } else {
      row.revoked_by = record.by;
      row.revoked_at = record.at;
    }
    row.ledger_seq = seq;
  }
}

async function write(
  db: Kysely<Database>,
  dialect: Dialect,
  record: IdentityRecord,
  load?: (trx: Kysely<Database>) => Promise<StoreExceptionsTable | undefined>,
): Promise<StoreExceptionsTable> {
  return db.transaction().execute(async (trx) => {
    const rows = new Map<string, StoreExceptionsTable>();
    const existing = load ? await load(trx) : undefined;
    if (existing) rows.set(existing.id, { ...existing, ledger_seq: Number(existing.ledger_seq) });
    const [seq] = await appendRecords(trx, dialect, [record]);
    foldException(rows, record, seq!);
    const row = [...rows.values()][0]!;
    await trx
      .insertInto("store_exceptions")
      .values(row)
      .onConflict((oc) =>
        oc.column("id").doUpdateSet({
          approved_by: row.approved_by,
          approved_at: row.approved_at,
          revoked_by: row.revoked_by,
          revoked_at: row.revoked_at,
          ledger_seq: row.ledger_seq,
        }),
      )
      .execute();
    return row;
  });
}

export async function requestException(
  db: Kysely<Database>,
  dialect: Dialect,
  input: ExceptionRequest,
  by: string,
  now: Date,
): Promise<StoreExceptionsTable> {
  const today = now.toISOString().slice(0, 10);
  if (input.expires < today)
    throw new HttpError(400, "STORE_BAD_REQUEST", "The expiry date has passed.", "expires");
  const latest = new Date(now.getTime() + MAX_DAYS * 86_400_000).toISOString().slice(0, 10);
  if (input.expires > latest) {
    throw new HttpError(
      400,
      "STORE_BAD_REQUEST",
      `An exception lasts at most a year (until ${latest}); renew it then.`,
      "expires",
    );
  }
  return write(db, dialect, {
    kind: "exception-requested",
    exceptionId: ulid(),
    ruleId: input.ruleId,
    ...(input.resource ? { resource: input.resource } : {}),
    owner: input.owner,
    reason: input.reason,
    expires: input.expires,
    at: now.toISOString(),
    by,
  });
}

async function loadRow(db: Kysely<Database>, id: string): Promise<StoreExceptionsTable | undefined> {
  return db.selectFrom("store_exceptions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A second person approves: the requester cannot approve their own request. */
export async function approveException(
  db: Kysely<Database>,
  dialect: Dialect,
  id: string,
  by: string,
  now: Date,
): Promise<StoreExceptionsTable> {
  const row = await loadRow(db, id);
  if (!row) throw new HttpError(404, "STORE_NOT_FOUND", `No exception ${id}.`);
  const status = exceptionStatus(row, now);
  if (status !== "pending")
    throw new HttpError(409, "STORE_CONFLICT", `Exception ${id} is ${status}, not pending.`);
  if (row.requested_by === by) {
    throw new HttpError(
      403,
      "STORE_FORBIDDEN",
      "An exception needs a second person: you requested this one.",
    );
  }
  return write(
    db,
    dialect,
    { kind: "exception-approved", exceptionId: id, at: now.toISOString(), by },
    (trx) => loadRow(trx, id),
  );
}

export async function revokeException(
  db: Kysely<Database>,
  dialect: Dialect,
  id: string,
  by: string,
  now: Date,
): Promise<StoreExceptionsTable> {
  const row = await loadRow(db, id);
  if (!row) throw new HttpError(404, "STORE_NOT_FOUND", `No exception ${id}.`);
  if (row.revoked_at) throw new HttpError(409, "STORE_CONFLICT", `Exception ${id} is already revoked.`);
  return write(
    db,
    dialect,
    { kind: "exception-revoked", exceptionId: id, at: now.toISOString(), by },
    (trx) => loadRow(trx, id),
  );
}
