import type { KeyObject } from "node:crypto";
import type { StoreDb } from "./db/connect.js";
import type { EnrolmentLimiter } from "./enrol-limit.js";
import type { ReportWriter } from "./ingest.js";
import type { StoreMetrics } from "./metrics.js";
import type { StoreOptions } from "./options.js";
import type { PreparePool } from "./prepare-pool.js";
import type { StoreSigner } from "./store-key.js";

export const ROLES = ["admin", "lead", "auditor"] as const;
export type Role = (typeof ROLES)[number];

export type Principal =
  | { kind: "agent"; agentId: string; key: KeyObject }
  | { kind: "person"; tokenId: string; role: Role };

/** Who may call a route: `public`, or the agent and/or the people's roles listed. */
export type Access = "public" | ReadonlyArray<"agent" | Role>;

/** Everything the plugins share, decorated on the root instance as `app.assay`. */
export interface StoreContext {
  options: StoreOptions;
  store: StoreDb;
  /** The checkpoint signing key (public half listed in store_keys) and origin. */
  signer: StoreSigner;
  metrics: StoreMetrics;
  writer: ReportWriter;
  preparePool: PreparePool;
  enrolmentLimiter: EnrolmentLimiter;
  instanceId: string;
  /** SHA-256 hex of the enrolment secret, or undefined when enrolment is closed. */
  enrolmentSecretSha256: string | undefined;
  now(): Date;
  /** Every route with who may call it, recorded as routes register (the OpenAPI and the role tests use it). */
  routes: { method: string; url: string; access: Access | undefined }[];
  /** Every dashboard page with who may open it (signed in with a session cookie, not a bearer token). */
  pages: { method: string; url: string; page: "public" | readonly Role[] }[];
}

declare module "fastify" {
  interface FastifyInstance {
    assay: StoreContext;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}
