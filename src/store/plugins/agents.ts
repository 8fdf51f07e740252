import { createHash, createPublicKey, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { HttpError } from "../http-error.js";
import { appendRecords } from "../records.js";
import { issueToken } from "../tokens.js";
import { parseInput } from "../validate.js";

const EnrolSchema = z.strictObject({
  enrolmentSecret: z.string().min(1),
  hostname: z.string().min(1).max(255),
  platform: z.string().min(1).max(64),
  group: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  publicKeyPem: z.string().min(40).max(1000),
});

const HeartbeatSchema = z.strictObject({
  agentId: z.string().optional(),
  version: z.string().max(64).optional(),
  /** Reports waiting in the agent's spool and their bytes: a spool that keeps growing is an agent stuck. */
  spooled: z.number().int().min(0).max(10_000_000).optional(),
  spoolBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** The agent's last problem in its own words (e.g. "disk full: …"), shown to the security lead. */
  lastError: z.string().max(500).optional(),
});

/** Enrolment (an MDM-deployed secret buys an agent its own token and registers its key) and heartbeats. */
export default async function agentRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    "/v1/enrol",
    {
      config: { access: "public" },
      bodyLimit: 16 * 1024,
      schema: {
        summary: "Enrol an agent with the enrolment secret; returns its token once",
        tags: ["agents"],
        body: z.toJSONSchema(EnrolSchema),
      },
    },
    async (request, reply) => {
      const { metrics, enrolmentLimiter } = app.assay;
      const budget = enrolmentLimiter.attempt(request.ip);
      if (!budget.allowed) {
        metrics.enrolments.inc({ outcome: "rate_limited" });
        request.log.warn({ address: request.ip, scope: budget.scope }, "enrolment rate limited");
        const error = new HttpError(
          429,
          "STORE_ENROLMENT_RATE_LIMITED",
          `Too many enrolment attempts (${budget.scope === "overall" ? "from all addresses" : "from this address"}); retry in ${budget.retryAfterSeconds} s.`,
        );
        error.retryAfterSeconds = budget.retryAfterSeconds;
        throw error;
      }
      let input: z.infer<typeof EnrolSchema>;
      try {
        input = parseInput(EnrolSchema, request.body, "enrolment");
      } catch (error) {
        metrics.enrolments.inc({ outcome: "bad_request" });
        throw error;
      }
      const expected = app.assay.enrolmentSecretSha256;
      if (!expected)
        throw new HttpError(403, "STORE_ENROLMENT_CLOSED", "This store has no enrolment secret configured.");
      const given = createHash("sha256").update(input.enrolmentSecret).digest();
      if (!timingSafeEqual(given, Buffer.from(expected, "hex"))) {
        enrolmentLimiter.failed(request.ip);
        metrics.enrolments.inc({ outcome: "bad_secret" });
        // The attempt is logged by where it came from and what it claimed, never by the secret it sent.
        request.log.warn(
          { address: request.ip, hostname: input.hostname, platform: input.platform },
          "enrolment refused: wrong enrolment secret",
        );
        throw new HttpError(
          401,
          "STORE_BAD_ENROLMENT_SECRET",
          "The enrolment secret is not valid.",
          "enrolmentSecret",
        );
      }
      if (!isEd25519PublicKeyPem(input.publicKeyPem)) {
        throw new HttpError(
          400,
          "STORE_BAD_PUBLIC_KEY",
          "publicKeyPem must be an Ed25519 public key in SPKI PEM form.",
          "publicKeyPem",
        );
      }
      const issued = issueToken("agent");
      const now = app.assay.now().toISOString();
      const group = input.group ?? "default";
      // The agent row and its enrolment ledger entry (key and token hash) are written together.
      await app.assay.store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("agents")
          .values({
            id: issued.id,
            hostname: input.hostname,
            platform: input.platform,
            group_name: group,
            public_key_pem: input.publicKeyPem,
            token_hash: issued.hash,
            version: null,
            enrolled_at: now,
            last_seen_at: now,
            silent_since: null,
            revoked_at: null,
            scopes: "[]",
          })
          .execute();
        await appendRecords(trx, app.assay.store.dialect, [
          {
            kind: "agent-enrolled",
            agentId: issued.id,
            hostname: input.hostname,
            platform: input.platform,
            group,
            publicKeyPem: input.publicKeyPem,
            tokenHash: issued.hash,
            at: now,
          },
        ]);
      });
      metrics.enrolments.inc({ outcome: "enrolled" });
      request.log.info(
        { agentId: issued.id, hostname: input.hostname, group: input.group ?? "default" },
        "agent enrolled",
      );
      return reply.code(201).send({ agentId: issued.id, token: issued.token });
    },
  );

  app.post(
    "/v1/heartbeat",
    {
      config: { access: ["agent"] },
      bodyLimit: 4 * 1024,
      schema: {
        summary: "An agent reports that it is alive",
        tags: ["agents"],
        body: z.toJSONSchema(HeartbeatSchema),
      },
    },
    async (request, reply) => {
      const input = parseInput(HeartbeatSchema, request.body, "heartbeat");
      const principal = request.principal;
      if (principal?.kind !== "agent")
        throw new HttpError(403, "STORE_FORBIDDEN", "Only agents send heartbeats.");
      if (input.agentId && input.agentId !== principal.agentId) {
        throw new HttpError(403, "STORE_WRONG_AGENT", "agentId does not match the agent token.", "agentId");
      }
      const now = app.assay.now().toISOString();
      await app.assay.store.db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom("agents")
          .select(["spool_depth", "spool_growing_since", "revoked_at"])
          .where("id", "=", principal.agentId)
          .executeTakeFirst();
        // The auth hook may hold this agent's row for a few seconds; the revocation is decided here.
        if (!before || before.revoked_at !== null) {
          throw new HttpError(401, "STORE_BAD_TOKEN", "The token is not valid.");
        }
        await trx
          .updateTable("agents")
          .set({
            last_seen_at: now,
            silent_since: null,
            ...(input.version ? { version: input.version } : {}),
            ...(input.spooled === undefined
              ? {}
              : {
                  spool_depth: input.spooled,
                  spool_bytes: input.spoolBytes ?? null,
                  last_error: input.lastError ?? null,
                  ...spoolTrend(before, input.spooled, now),
                }),
          })
          .where("id", "=", principal.agentId)
          .execute();
      });
      return reply.code(204).send();
    },
  );
}

/**
 * A spool that grows is timed from its first growth; one that shrinks (or empties) is draining, which clears
 * both the timer and a raised `agent-stuck`. Equal depth keeps the timer: nothing is leaving the spool.
 */
function spoolTrend(
  before: { spool_depth: number | null; spool_growing_since: string | null } | undefined,
  depth: number,
  now: string,
): { spool_growing_since?: string | null; stuck_since?: null } {
  const previous = before?.spool_depth ?? 0;
  if (depth === 0 || depth < previous) return { spool_growing_since: null, stuck_since: null };
  if (depth > previous && !before?.spool_growing_since) return { spool_growing_since: now };
  return {};
}

/**
 * True for an Ed25519 public key in SPKI PEM form. createPublicKey also accepts a PRIVATE key (it derives
 * the public half), which would keep an agent's private key in the agents table: only a PEM whose one
 * block is labelled PUBLIC KEY is taken.
 */
function isEd25519PublicKeyPem(pem: string): boolean {
  const blocks = pem.match(/-----BEGIN [A-Z0-9 ]+-----/g) ?? [];
  if (blocks.length !== 1 || blocks[0] !== "-----BEGIN PUBLIC KEY-----") return false;
  try {
    const key = createPublicKey({ key: pem, format: "pem" });
    return key.type === "public" && key.asymmetricKeyType === "ed25519";
  } catch {
    return false;
  }
}
