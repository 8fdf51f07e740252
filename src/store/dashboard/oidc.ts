import type { FastifyReply, FastifyRequest } from "fastify";
import * as client from "openid-client";
import type { Role, StoreContext } from "../context.js";
import { HttpError } from "../http-error.js";
import type { StoreOptions } from "../options.js";
import { sha256Hex } from "../tokens.js";

type OidcOptions = NonNullable<StoreOptions["dashboard"]["oidc"]>;

const STATE_COOKIE = "assay_oidc_state";
const LOGIN_MINUTES = 10;
const ROLE_ORDER: readonly Role[] = ["admin", "lead", "auditor"];
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Sign-in through the organisation's identity provider with `openid-client`: authorization code flow with
 * PKCE, state and nonce. What a sign-in under way needs (verifier, nonce, where to go next) is kept in the
 * database keyed by the hash of the state, so the callback may land on any store instance; the browser holds
 * the state in a short HttpOnly cookie, and each state is used once.
 */
export class OidcSignIn {
  private config: Promise<client.Configuration> | undefined;

  constructor(
    private readonly ctx: StoreContext,
    private readonly options: OidcOptions,
    private readonly secureCookies: boolean,
  ) {}

  get label(): string {
    return this.options.label;
  }

  private configuration(): Promise<client.Configuration> {
    if (!this.config) {
      const issuer = new URL(this.options.issuer);
      const secretName = this.options.clientSecretEnv;
      const secret = secretName ? process.env[secretName] : undefined;
      if (secretName && !secret) {
        throw new HttpError(
          500,
          "STORE_OIDC_CONFIG",
          `The environment variable ${secretName} (dashboard.oidc.clientSecretEnv) is not set.`,
        );
      }
      // Plain HTTP only for a provider on this machine (development and tests); anything else must be HTTPS.
      const insecure = issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname);
      this.config = client
        .discovery(
          issuer,
          this.options.clientId,
          secret,
          secret ? undefined : client.None(),
          insecure ? { execute: [client.allowInsecureRequests] } : undefined,
        )
        .catch((error: unknown) => {
          this.config = undefined;
          throw new HttpError(
            502,
            "STORE_OIDC_UNREACHABLE",
            `The identity provider at ${issuer.origin} could not be reached: ${(error as Error).message}`,
          );
        });
    }
    return this.config;
  }

  /** Starts a sign-in: remembers the verifier and nonce, sends the browser to the provider. */
  async start(reply: FastifyReply, next: string): Promise<FastifyReply> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const now = this.ctx.now();
    await this.ctx.store.db
      .deleteFrom("dashboard_logins")
      .where("expires_at", "<", now.toISOString())
      .execute();
    await this.ctx.store.db
      .insertInto("dashboard_logins")
      .values({
        state_hash: sha256Hex(state),
        code_verifier: verifier,
        nonce,
        next,
        expires_at: new Date(now.getTime() + LOGIN_MINUTES * 60_000).toISOString(),
      })
      .execute();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.scopes.join(" "),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    reply.setCookie(STATE_COOKIE, state, {
      path: "/sign-in/oidc",
      httpOnly: true,
      // Lax: the provider's redirect back is a top-level GET navigation from another site.
      sameSite: "lax",
      secure: this.secureCookies,
      maxAge: LOGIN_MINUTES * 60,
    });
    return reply.redirect(url.href, 303);
  }

  /** Finishes a sign-in: exchanges the code, checks state, nonce and ID token, maps the role claim. */
  async finish(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ subject: string; role: Role; next: string }> {
    const state = request.cookies[STATE_COOKIE];
    reply.clearCookie(STATE_COOKIE, {
      path: "/sign-in/oidc",
      httpOnly: true,
      sameSite: "lax",
      secure: this.secureCookies,
    });
    const query = request.query as Record<string, unknown>;
    if (typeof query.error === "string") {
      throw new HttpError(
        401,
        "STORE_OIDC_DENIED",
        `The identity provider refused the sign-in: ${query.error}${typeof query.error_description === "string" ? ` (${query.error_description})` : ""}.`,
      );
    }
    if (!state || typeof query.state !== "string" || query.state !== state) {
      throw new HttpError(
        400,
        "STORE_OIDC_STATE",
        "This sign-in was not started here or has expired; start again.",
      );
    }
    const row = await this.ctx.store.db
      .deleteFrom("dashboard_logins")
      .where("state_hash", "=", sha256Hex(state))
      .returningAll()
      .executeTakeFirst();
    if (!row || row.expires_at < this.ctx.now().toISOString()) {
      throw new HttpError(
        400,
        "STORE_OIDC_STATE",
        "This sign-in was already used or has expired; start again.",
      );
    }
    const config = await this.configuration();
    const callback = new URL(this.options.redirectUri);
    callback.search = new URL(request.url, "http://placeholder").search;
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: row.code_verifier,
        expectedState: state,
        expectedNonce: row.nonce,
        idTokenExpected: true,
      });
      claims = { ...(tokens.claims() ?? {}) };
      // Providers that keep scope claims out of the ID token give them at the userinfo endpoint.
      if (config.serverMetadata().userinfo_endpoint && typeof claims.sub === "string") {
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        claims = { ...info, ...claims };
      }
    } catch (error) {
      request.log.warn({ err: error }, "OIDC code exchange failed");
      throw new HttpError(
        401,
        "STORE_OIDC_FAILED",
        `The sign-in could not be completed: ${(error as Error).message}`,
      );
    }
    const role = this.roleOf(claims);
    const subjectValue = claims[this.options.subjectClaim] ?? claims.sub;
    const subject = typeof subjectValue === "string" ? subjectValue : String(claims.sub);
    if (!role) {
      throw new HttpError(
        403,
        "STORE_OIDC_NO_ROLE",
        `${subject} signed in, but no value of the "${this.options.roleClaim}" claim gives an Assay role; ask an admin to map it (dashboard.oidc.roles).`,
      );
    }
    return { subject, role, next: row.next };
  }

  private roleOf(claims: Record<string, unknown>): Role | undefined {
    const raw = claims[this.options.roleClaim];
    const values = new Set(
      Array.isArray(raw)
        ? raw.filter((v): v is string => typeof v === "string")
        : typeof raw === "string"
          ? [raw]
          : [],
    );
    return ROLE_ORDER.find((role) => this.options.roles[role].some((v) => values.has(v)));
  }
}
