import { createPublicKey, type KeyObject } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Principal, Role, StoreContext } from "../context.js";
import { HttpError } from "../http-error.js";
import { parseToken, secretMatches } from "../tokens.js";

/**
 * Parsed public keys by PEM. The agent row itself is read on every request (one primary-key lookup), so a
 * revocation or key change by any store process sharing the database bites on the very next request; only
 * the parse of an unchanged key is saved.
 */
const MAX_CACHED_KEYS = 10_000;

/**
 * Resolves the bearer token before the body is read (onRequest), so an unauthenticated or forbidden
 * request is refused without parsing or storing anything. Each route states its `access` in its config.
 */
async function authPlugin(app: FastifyInstance): Promise<void> {
  const keys = new Map<string, KeyObject>();
  app.decorateRequest("principal", null);

  app.addHook("onRequest", async (request) => {
    const access = request.routeOptions.config?.access;
    if (access === undefined || access === "public") return;
    const principal = await authenticate(app.assay, request, keys);
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
  keys: Map<string, KeyObject>,
): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header)
    throw new HttpError(401, "STORE_UNAUTHENTICATED", "An Authorization: Bearer <token> header is required.");
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const parsed = match ? parseToken(match[1]!) : undefined;
  if (!parsed) throw new HttpError(401, "STORE_BAD_TOKEN", "The bearer token is malformed.");
  if (parsed.kind === "agent") {
    const row = await ctx.store.db
      .selectFrom("agents")
      .select(["token_hash", "public_key_pem", "revoked_at"])
      .where("id", "=", parsed.id)
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || !secretMatches(parsed.secret, row.token_hash)) {
      throw new HttpError(401, "STORE_BAD_TOKEN", "The token is not valid.");
    }
    let key = keys.get(row.public_key_pem);
    if (!key) {
      key = createPublicKey(row.public_key_pem);
      if (keys.size >= MAX_CACHED_KEYS) keys.delete(keys.keys().next().value!);
      keys.set(row.public_key_pem, key);
    }
    return { kind: "agent", agentId: parsed.id, key };
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
