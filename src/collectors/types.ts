import type { CollectorError } from "../core/report.js";
import type { ResourceInput } from "../core/resource.js";

/** Progress a collector reports while it works (accounts, regions, services as they complete). */
export interface ProgressEvent {
  collector: string;
  /** What finished or started: `device`, `123456789012/eu-west-1/s3`. */
  scope: string;
  phase: "start" | "done" | "error";
  resources?: number;
}

/**
 * What a collector is given. SDK clients and credentials are built from `settings` inside `collect`,
 * never at import time, so loading the registry costs nothing.
 */
export interface CollectContext {
  /** The collector's own settings from the config file (`aws: {…}`), already validated by the collector. */
  settings: unknown;
  /** Bound once per scan, like the rules' `now`. */
  now: Date;
  signal: AbortSignal;
  emit(resource: ResourceInput): void;
  reportError(error: Omit<CollectorError, "resourceTypes"> & { resourceTypes?: string[] }): void;
  progress(event: ProgressEvent): void;
}

export interface Collector {
  /** Registry name (`device`, `aws`, `azure`, `gcp`). */
  name: string;
  provider: string;
  /** Resource types this collector produces; the planner runs it only when a selected rule needs one. */
  produces: readonly string[];
  /** Read-only permissions it calls (IAM actions, Azure operations, GCP permissions), for `assay permissions`. */
  permissions: readonly string[];
  /**
   * Check the collector's settings section before any collector runs or calls anything; throw an AssayError
   * naming each bad setting (`aws.regions[0]: …`), which stops the scan with exit 2. Collectors without
   * settings leave it out.
   */
  checkSettings?(settings: unknown): void;
  collect(ctx: CollectContext): Promise<void>;
}
