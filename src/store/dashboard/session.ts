import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Role, StoreContext } from "../context.js";
import { sha256Hex } from "../tokens.js";

/** A signed-in person as the pages see them. */
export interface DashboardSession {
  idHash: string;
  /** The API token the person signed in with; revoking it ends the session. Null for an OIDC sign-in. */
  tokenId: string | null;
  /** Who: the token's name, or the identity provider's subject / e-mail. */
  subject: string;
  role: Role;
  /** The synchronizer token every form of this session carries. */
  csrf: string;
  expiresAt: string;
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Sessions live in the database (not in a signed cookie) so that signing out, revoking the token or
 * expiry takes effect at once on every store instance sharing it. The cookie holds a 256-bit secret; the
 * row holds its SHA-256, as for API tokens.
 */
export class SessionStore {
  constructor(
    private readonly ctx: StoreContext,
    private readonly lifetimeMs: number,
  ) {}

  async create(input: { tokenId: string | null; subject: string; role: Role }): Promise<{ secret: string }> {
    const secret = randomBytes(32).toString("base64url");
    const now = this.ctx.now();
    await this.ctx.store.db
      .insertInto("dashboard_sessions")
      .values({
        id_hash: sha256Hex(secret),
        token_id: input.tokenId,
        subject: input.subject,
        role: input.role,
        csrf: randomBytes(32).toString("base64url"),
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + this.lifetimeMs).toISOString(),
      })
      .execute();
    // Expired rows are removed on the way, so the table stays as small as the number of live sessions.
    await this.ctx.store.db
      .deleteFrom("dashboard_sessions")
      .where("expires_at", "<", now.toISOString())
      .execute();
    return { secret };
  }

  /** The live session for a cookie secret, or undefined (unknown, expired, or its token revoked). */
  async find(secret: string | undefined): Promise<DashboardSession | undefined> {
    if (!secret || !SECRET_PATTERN.test(secret)) return undefined;
    const row = await this.ctx.store.db
      .selectFrom("dashboard_sessions as s")
      .leftJoin("api_tokens as t", "t.id", "s.token_id")
      .select(["s.id_hash", "s.token_id", "s.subject", "s.role", "s.csrf", "s.expires_at", "t.revoked_at"])
      .where("s.id_hash", "=", sha256Hex(secret))
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.expires_at <= this.ctx.now().toISOString()) return undefined;
    if (row.token_id !== null && row.revoked_at !== null) return undefined;
    return {
      idHash: row.id_hash,
      tokenId: row.token_id,
      subject: row.subject,
      role: row.role as Role,
      csrf: row.csrf,
      expiresAt: row.expires_at,
    };
  }

  async destroy(idHash: string): Promise<void> {
    await this.ctx.store.db.deleteFrom("dashboard_sessions").where("id_hash", "=", idHash).execute();
  }
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: DashboardSession, submitted: unknown): boolean {
  if (typeof submitted !== "string") return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
