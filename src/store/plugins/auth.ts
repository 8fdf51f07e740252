import { createPublicKey, type KeyObject } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Principal, Role, StoreContext } from "../context.js";
import { HttpError } from "../http-error.js";
import { parseToken, secretMatches } from "../tokens.js";

interface CachedAgent {
  tokenHash: string;
  key: KeyObject;
  revoked: boolean;
  until: number;
}

/**
 * Agent rows are kept for a few seconds, so the hot path (one report per request) makes no database round
 * trip before the body is read. That cache never decides a revocation alone: the routes an agent may call
 * re-read the row where it counts (a report inside the ledger transaction, a heartbeat in its update), so a
 * revocation by any store process sharing the database bites on the very next request.
 */
const AGENT_CACHE_MS = 5_000;
const MAX_CACHED_AGENTS = 10_000;

/**
 * Resolves the bearer token before the body is read (onRequest), so an unauthenticated or forbidden
 * request is refused without parsing or storing anything. Each route states its `access` in its config.
 */
async function authPlugin(app: FastifyInstance): Promise<void> {
  const agents = new Map<string, CachedAgent>();
  app.decorateRequest("principal", null);

  app.addHook("onRequest", async (request) => {
    const access = request.routeOptions.config?.access;
    if (access === undefined || access === "public") return;
    const principal = await authenticate(app.assay, request, agents);
    const allowed = principal.kind === "agent" ? access.includes("agent") : access.includes(principal.role);
    if (!allowed) {
      const who = principal.kind === "agent" ? "an agent token" : `a token with role ${principal.role}`;
      throw new HttpError(403, "STORE_FORBIDDEN", `This route cannot be used with ${who}.`);
    }
    request.principal = principal;
  });
}

async function authenticate(
  ctx: StoreContext,
  request: FastifyRequest,
  agents: Map<string, CachedAgent>,
): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header)
    throw new HttpError(401, "STORE_UNAUTHENTICATED", "An Authorization: Bearer <token> header is required.");
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const parsed = match ? parseToken(match[1]!) : undefined;
  if (!parsed) throw new HttpError(401, "STORE_BAD_TOKEN", "The bearer token is malformed.");
  if (parsed.kind === "agent") {
    let cached = agents.get(parsed.id);
    if (!cached || cached.until < Date.now()) {
      const row = await ctx.store.db
        .selectFrom("agents")
        .select(["token_hash", "public_key_pem", "revoked_at"])
        .where("id", "=", parsed.id)
        .executeTakeFirst();
      if (!row) throw new HttpError(401, "STORE_BAD_TOKEN", "The token is not valid.");
      cached = {
        tokenHash: row.token_hash,
        key: createPublicKey(row.public_key_pem),
        revoked: row.revoked_at !== null,
        until: Date.now() + AGENT_CACHE_MS,
      };
      if (agents.size >= MAX_CACHED_AGENTS) agents.delete(agents.keys().next().value!);
      agents.set(parsed.id, cached);
    }
    if (cached.revoked || !secretMatches(parsed.secret, cached.tokenHash)) {
      throw new HttpError(401, "STORE_BAD_TOKEN", "The token is not valid.");
    }
    return { kind: "agent", agentId: parsed.id, key: cached.key };
  }
  const row = await ctx.store.db
    .selectFrom("api_tokens")
    .select(["token_hash", "role", "revoked_at"])
    .where("id", "=", parsed.id)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || !secretMatches(parsed.secret, row.token_hash)) {
    throw new HttpError(401, "STORE_BAD_TOKEN", "The token is not valid.");
  }
  return { kind: "person", tokenId: parsed.id, role: row.role as Role };
}

export default fp(authPlugin, { name: "assay-auth" });
