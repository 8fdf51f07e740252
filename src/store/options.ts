import { z } from "zod";
import { SeveritySchema } from "../core/finding.js";
import { WitnessOptionsSchema } from "./witness.js";

/** One alert destination. Secrets come from the environment (`*Env`) so a config file never holds them. */
const WebhookChannelSchema = z.strictObject({
  type: z.literal("webhook"),
  url: z.url(),
  /** HMAC-SHA256 key for the `X-Assay-Signature-256` header. */
  secret: z.string().min(16).optional(),
  secretEnv: z.string().optional(),
  digest: z.boolean().default(false),
});
const SlackChannelSchema = z.strictObject({
  type: z.literal("slack"),
  url: z.url().optional(),
  urlEnv: z.string().optional(),
  digest: z.boolean().default(false),
});
const TeamsChannelSchema = z.strictObject({
  type: z.literal("teams"),
  url: z.url().optional(),
  urlEnv: z.string().optional(),
  digest: z.boolean().default(false),
});
const EmailChannelSchema = z.strictObject({
  type: z.literal("email"),
  host: z.string(),
  port: z.number().int().positive().default(587),
  secure: z.boolean().default(false),
  /** Refuse to send over an unencrypted connection unless explicitly allowed (tests, local relays). */
  requireTls: z.boolean().default(true),
  user: z.string().optional(),
  passwordEnv: z.string().optional(),
  from: z.string(),
  to: z.array(z.string()).min(1),
  digest: z.boolean().default(false),
});
export const AlertChannelSchema = z.discriminatedUnion("type", [
  WebhookChannelSchema,
  SlackChannelSchema,
  TeamsChannelSchema,
  EmailChannelSchema,
]);
export type AlertChannel = z.infer<typeof AlertChannelSchema>;

export const DRIFT_EVENT_TYPES = [
  "regressed",
  "resolved",
  "new",
  "gone",
  "changed",
  "agent-silent",
  "agent-stuck",
] as const;
/** Events about an agent rather than a (resource, rule): raised by the store's own checks, not by a report. */
export const AGENT_EVENT_TYPES: readonly string[] = ["agent-silent", "agent-stuck"];
export const DriftEventTypeSchema = z.enum(DRIFT_EVENT_TYPES);
export type DriftEventType = z.infer<typeof DriftEventTypeSchema>;

/** Which events go where: every matching route delivers to its channels. */
export const AlertRouteSchema = z.strictObject({
  channels: z.array(z.string()).min(1),
  minSeverity: SeveritySchema.default("low"),
  /** Policy keys; absent = every policy. */
  policies: z.array(z.string()).optional(),
  events: z.array(DriftEventTypeSchema).default(["regressed", "agent-silent"]),
});
export type AlertRoute = z.infer<typeof AlertRouteSchema>;

export const AlertsOptionsSchema = z.strictObject({
  channels: z.record(z.string(), AlertChannelSchema).default({}),
  routes: z.array(AlertRouteSchema).default([]),
  /** A pair that flips back within this window is not alerted again (flapping). */
  flapWindowSeconds: z.number().int().nonnegative().default(3600),
  /** The same event for the same pair within this window is sent once. */
  dedupWindowSeconds: z.number().int().nonnegative().default(86_400),
  /** UTC hour at which digest channels receive the day's alerts in one message. */
  digestHourUtc: z.number().int().min(0).max(23).default(8),
  maxAttempts: z.number().int().positive().default(8),
  /** First retry delay; doubles per attempt, capped at one hour. */
  retryBaseSeconds: z.number().positive().default(30),
  /** How long a claimed outbox row is reserved for the process that claimed it. */
  leaseSeconds: z.number().int().positive().default(60),
  pollIntervalMs: z.number().int().positive().default(2000),
  /** Base URL of a dashboard, used for links in messages. */
  linkBaseUrl: z.url().optional(),
});
export type AlertsOptions = z.infer<typeof AlertsOptionsSchema>;

export const StoreOptionsSchema = z.strictObject({
  /** Folder of the embedded SQLite database; used when no databaseUrl is given. */
  dataDir: z.string().default("./assay-data"),
  /** postgres://… selects PostgreSQL; otherwise SQLite under dataDir. `:memory:` is accepted for tests. */
  databaseUrl: z.string().optional(),
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8443),
  tls: z.strictObject({ certFile: z.string(), keyFile: z.string() }).optional(),
  /** SHA-256 hex of the enrolment secret (preferred), or the secret itself from the environment. */
  enrolmentSecretSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  enrolmentSecret: z.string().min(16).optional(),
  /** Rate limits of POST /v1/enrol (see enrol-limit.ts); over a limit → 429 with Retry-After. */
  enrolment: z
    .strictObject({
      maxFailuresPerAddress: z.number().int().positive().default(10),
      failureWindowSeconds: z.number().int().positive().default(600),
      perAddressPerSecond: z.number().positive().default(1),
      perAddressBurst: z.number().int().positive().default(100),
      overallPerSecond: z.number().positive().default(20),
      overallBurst: z.number().int().positive().default(500),
    })
    .prefault({}),
  maxReportBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** Check-in windows: an agent silent for longer raises `agent-silent`. */
  checkIn: z
    .strictObject({
      defaultSeconds: z
        .number()
        .int()
        .positive()
        .default(26 * 3600),
      groups: z.record(z.string(), z.number().int().positive()).default({}),
      intervalMs: z.number().int().positive().default(60_000),
      /** An agent whose spool has grown without draining for this long raises `agent-stuck`. */
      stuckSeconds: z
        .number()
        .int()
        .positive()
        .default(6 * 3600),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** Evidence older than this many days is disposed of; absent = keep forever. */
      days: z.number().int().positive().optional(),
      intervalMs: z.number().int().positive().default(3_600_000),
    })
    .prefault({}),
  alerts: AlertsOptionsSchema.prefault({}),
  /** Archive every signed checkpoint to S3 under Object Lock (COMPLIANCE); absent = no witness (witness.ts). */
  witness: WitnessOptionsSchema.optional(),
  /** Signed checkpoints of the ledger's Merkle tree (store-key.ts, checkpoints.ts). */
  checkpoints: z
    .strictObject({
      /** How often a checkpoint is signed when the tree has grown since the last one. */
      intervalMs: z.number().int().positive().default(600_000),
      /** The checkpoint origin line; default: the one chosen at random for this store on first start. */
      origin: z
        .string()
        .regex(/^[^\s+]+$/u, "an origin has no spaces or +")
        .optional(),
      /** File of the signing key (default: store-signing.key in dataDir, created 0600 on first start). */
      keyFile: z.string().optional(),
      /** The signing key itself, from ASSAY_STORE_SIGNING_KEY (several processes sharing a database). */
      signingKey: z.string().optional(),
    })
    .prefault({}),
  /** The pages served at `/` for people (src/store/dashboard). */
  dashboard: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A sign-in lasts this long; signing out or revoking the token used ends it at once. */
      sessionHours: z
        .number()
        .positive()
        .max(24 * 30)
        .default(8),
      /**
       * Session cookies are `Secure` (`__Host-` prefix) unless set false: only for plain-HTTP development,
       * since a browser sends a Secure cookie over HTTPS or to localhost only.
       */
      secureCookies: z.boolean().default(true),
      /** Sign-in through the organisation's identity provider (OpenID Connect, authorization code + PKCE). */
      oidc: z
        .strictObject({
          /** The issuer URL; its /.well-known/openid-configuration is read on first use. */
          issuer: z.url(),
          clientId: z.string().min(1),
          /** Name of the environment variable holding the client secret (never in the config file). */
          clientSecretEnv: z.string().min(1).optional(),
          /** This store's callback, as registered with the provider: https://<store>/sign-in/oidc/callback */
          redirectUri: z.url(),
          scopes: z.array(z.string().min(1)).default(["openid", "email", "profile"]),
          /** The claim naming the person's groups or roles (a string or a list of strings). */
          roleClaim: z.string().min(1).default("groups"),
          /** Which claim values give which role; the most privileged match wins; no match = no access. */
          roles: z
            .strictObject({
              admin: z.array(z.string()).default([]),
              lead: z.array(z.string()).default([]),
              auditor: z.array(z.string()).default([]),
            })
            .prefault({}),
          /** The claim shown as the person's name and recorded on their changes. */
          subjectClaim: z.string().min(1).default("email"),
          /** Button text on the sign-in page. */
          label: z.string().min(1).max(60).default("Sign in with your organisation"),
        })
        .optional(),
      /** How often an open drift page's live feed looks for new events. */
      livePollMs: z.number().int().min(100).max(60_000).default(2_000),
    })
    .prefault({}),
  /** Folder of framework control catalogues (rules/frameworks); missing folder = no catalogue. */
  frameworksDir: z.string().optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Run the background loops (outbox, check-in, retention, digest). Tests drive them by hand. */
  backgroundJobs: z.boolean().default(true),
  /**
   * Worker threads that check posted reports (parse, schema, signature, canonical JSON) beside the thread
   * that serves HTTP and writes the database. Default: one per core beyond the first, at most 4; 0 runs
   * the checks on the main thread.
   */
  ingestWorkers: z.number().int().min(0).max(64).optional(),
  /** Identifies this process when claiming outbox rows. */
  instanceId: z.string().optional(),
});
export type StoreOptions = z.infer<typeof StoreOptionsSchema>;
export type StoreOptionsInput = z.input<typeof StoreOptionsSchema>;
