import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { ROLES } from "../context.js";
import { HttpError } from "../http-error.js";
import { parseScopes } from "../ownership.js";
import { rebindResource, revokeAgent, ScopeSchema, setAgentScopes } from "../ownership-admin.js";
import { QueryText } from "../query-text.js";
import { disposalRecord, runRetention } from "../retention.js";
import { createApiToken, revokeApiToken } from "../token-admin.js";
import { parseInput } from "../validate.js";
import { verifyLedger } from "../verify.js";

const CreateTokenSchema = z.strictObject({ role: z.enum(ROLES), name: z.string().min(1).max(100) });
const IdParams = z.strictObject({ id: z.string().regex(/^[0-9A-Z]{26}$/, "must be a ULID") });
const ScopesSchema = z.strictObject({ scopes: z.array(ScopeSchema).max(1000) });
const RebindSchema = z.strictObject({
  uid: QueryText.pipe(z.string().min(1)),
  agentId: z.string().regex(/^[0-9A-Z]{26}$/, "must be a ULID"),
  reason: QueryText.pipe(z.string().min(1).max(500)),
});
const LedgerQuery = z.strictObject({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

/** People and agents management, the ledger, retention: admin writes, everyone with a role reads the ledger. */
export default async function adminRoutes(app: FastifyInstance): Promise<void> {
  const { store } = app.assay;

  app.post(
    "/v1/tokens",
    {
      config: { access: ["admin"] },
      bodyLimit: 4096,
      schema: {
        summary: "Create a person's API token (returned once)",
        tags: ["admin"],
        body: z.toJSONSchema(CreateTokenSchema),
      },
    },
    async (request, reply) => {
      const input = parseInput(CreateTokenSchema, request.body, "token request");
      const created = await createApiToken(store.db, { ...input, now: app.assay.now() });
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/v1/tokens",
    {
      config: { access: ["admin"] },
      schema: { summary: "List API tokens (never the secrets)", tags: ["admin"] },
    },
    async () => {
      const rows = await store.db
        .selectFrom("api_tokens")
        .select(["id", "name", "role", "created_at", "revoked_at"])
        .orderBy("id")
        .execute();
      return {
        tokens: rows.map((r) => ({
          id: r.id,
          name: r.name,
          role: r.role,
          createdAt: r.created_at,
          revokedAt: r.revoked_at,
        })),
      };
    },
  );

  app.delete(
    "/v1/tokens/:id",
    { config: { access: ["admin"] }, schema: { summary: "Revoke an API token", tags: ["admin"] } },
    async (request, reply) => {
      const { id } = parseInput(IdParams, request.params, "path");
      if (!(await revokeApiToken(store.db, id, app.assay.now())))
        throw new HttpError(404, "STORE_NOT_FOUND", `No active token ${id}.`);
      return reply.code(204).send();
    },
  );

  app.get(
    "/v1/agents",
    {
      config: { access: ["admin", "lead"] },
      schema: { summary: "Enrolled agents and when they were last heard from", tags: ["admin"] },
    },
    async () => {
      const rows = await store.db
        .selectFrom("agents")
        .select([
          "id",
          "hostname",
          "platform",
          "group_name",
          "version",
          "enrolled_at",
          "last_seen_at",
          "silent_since",
          "revoked_at",
          "scopes",
          "spool_depth",
          "spool_bytes",
          "last_error",
          "stuck_since",
        ])
        .orderBy("id")
        .execute();
      return {
        agents: rows.map((r) => ({
          scopes: parseScopes(r.scopes),
          id: r.id,
          hostname: r.hostname,
          platform: r.platform,
          group: r.group_name,
          version: r.version,
          enrolledAt: r.enrolled_at,
          lastSeenAt: r.last_seen_at,
          silentSince: r.silent_since,
          spooled: r.spool_depth,
          spoolBytes: r.spool_bytes === null ? null : Number(r.spool_bytes),
          lastError: r.last_error,
          stuckSince: r.stuck_since,
          revokedAt: r.revoked_at,
        })),
      };
    },
  );

  app.delete(
    "/v1/agents/:id",
    { config: { access: ["admin"] }, schema: { summary: "Revoke an agent's token", tags: ["admin"] } },
    async (request, reply) => {
      const { id } = parseInput(IdParams, request.params, "path");
      await revokeAgent(store.db, store.dialect, { agentId: id, by: byWhom(request), now: app.assay.now() });
      return reply.code(204).send();
    },
  );

  app.put(
    "/v1/agents/:id/scopes",
    {
      config: { access: ["admin"] },
      bodyLimit: 64 * 1024,
      schema: {
        summary: "Set the cloud scopes (provider:account) an agent may report on: a scanner identity",
        tags: ["admin"],
        body: z.toJSONSchema(ScopesSchema),
      },
    },
    async (request) => {
      const { id } = parseInput(IdParams, request.params, "path");
      const input = parseInput(ScopesSchema, request.body, "scopes");
      const scopes = await setAgentScopes(store.db, store.dialect, {
        agentId: id,
        scopes: input.scopes,
        by: byWhom(request),
        now: app.assay.now(),
      });
      return { agentId: id, scopes };
    },
  );

  app.post(
    "/v1/resources/rebind",
    {
      config: { access: ["admin"] },
      bodyLimit: 8 * 1024,
      schema: {
        summary: "Bind a device resource to another agent (a ledger entry)",
        tags: ["admin"],
        body: z.toJSONSchema(RebindSchema),
      },
    },
    async (request) => {
      const input = parseInput(RebindSchema, request.body, "re-bind");
      return rebindResource(store.db, store.dialect, { ...input, by: byWhom(request), now: app.assay.now() });
    },
  );

  app.get(
    "/v1/ledger",
    {
      config: { access: ["admin", "lead", "auditor"] },
      schema: { summary: "Ledger entries in order", tags: ["ledger"] },
    },
    async (request) => {
      const q = parseInput(LedgerQuery, request.query, "query");
      const rows = await store.db
        .selectFrom("ledger")
        .selectAll()
        .where("seq", ">", q.after)
        .orderBy("seq")
        .limit(q.limit)
        .execute();
      const entries = rows.map((r) => ({
        seq: Number(r.seq),
        kind: r.kind,
        ref: r.ref,
        contentHash: r.content_hash,
        prevHash: r.prev_hash,
        entryHash: r.entry_hash,
        appendedAt: r.appended_at,
      }));
      return { entries, next: entries.length === q.limit ? entries.at(-1)?.seq : undefined };
    },
  );

  app.get(
    "/v1/ledger/verify",
    {
      config: { access: ["admin", "lead", "auditor"] },
      schema: {
        summary: "Re-check the chain, every signature and the tables derived from it; lists every problem",
        tags: ["ledger"],
      },
    },
    async () => verifyLedger(store.db),
  );

  app.get(
    "/v1/alerts",
    {
      config: { access: ["admin", "lead"] },
      schema: { summary: "The alert outbox, newest first", tags: ["alerts"] },
    },
    async (request) => {
      const q = parseInput(LedgerQuery, request.query, "query");
      let query = store.db
        .selectFrom("alerts")
        .select([
          "id",
          "event_id",
          "channel",
          "dedup_key",
          "event_type",
          "status",
          "reason",
          "attempts",
          "last_error",
          "created_at",
          "sent_at",
        ])
        .orderBy("id", "desc")
        .limit(q.limit);
      if (q.after > 0) query = query.where("id", "<", q.after);
      const rows = await query.execute();
      return {
        alerts: rows.map((r) => ({
          id: Number(r.id),
          eventId: r.event_id === null ? null : Number(r.event_id),
          channel: r.channel,
          dedupKey: r.dedup_key,
          eventType: r.event_type,
          status: r.status,
          reason: r.reason,
          attempts: Number(r.attempts),
          lastError: r.last_error,
          createdAt: r.created_at,
          sentAt: r.sent_at,
        })),
      };
    },
  );

  app.post(
    "/v1/retention/run",
    { config: { access: ["admin"] }, schema: { summary: "Run the retention job now", tags: ["admin"] } },
    async () => {
      const days = app.assay.options.retention.days;
      if (!days)
        throw new HttpError(
          409,
          "STORE_RETENTION_OFF",
          "No retention period is configured (retention.days).",
        );
      const result = await runRetention(store.db, store.dialect, { days, now: app.assay.now() });
      return {
        disposal: result.disposal
          ? { ...disposalRecord(result.disposal), ledgerSeq: Number(result.disposal.ledger_seq) }
          : null,
      };
    },
  );
}

/** Who made an admin change, as recorded in its ledger entry: the person's token id. */
function byWhom(request: FastifyRequest): string {
  const p = request.principal;
  return p?.kind === "person" ? `token:${p.tokenId}` : "unknown";
}
