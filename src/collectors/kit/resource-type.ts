import type { z } from "zod";
import type { ApiCall } from "./calls.js";
import type { FactsRecord, ResourceIdentity } from "./facts.js";

/**
 * Where a resource type lives: once per account/subscription/project (`global`: IAM users, S3 buckets listed
 * once), in every scanned region (`regional`: KMS keys), or once per project/subscription of a multi-project
 * scan (`perProject`).
 */
export type ResourceScope = "global" | "regional" | "perProject";

/**
 * What a resource type's code is given, per place it is collected (an account and region, a subscription, a
 * project). `call` is the only way to reach the API: it refuses a call the declaration did not list, runs it
 * under the provider's concurrency limit and the kit's attempt policy, and throws a classified CallError.
 */
export interface TypeContext<P> {
  /** The provider's own handle (account scope, SDK clients, settings). */
  readonly provider: P;
  /** Where this run is: `eu-west-1`, `global`, a project id. */
  readonly where: string;
  /** `at`: the concurrency lane of another place (an S3 bucket's region); default `where`. */
  call<T>(api: ApiCall, send: () => Promise<T>, at?: string): Promise<T>;
  /**
   * Like call(), but "not there" gives undefined: with `absentCodes`, only those wire codes (NoSuchBucketPolicy,
   * NoSuchEntity: "not configured", while another not-found such as a vanished bucket stays an error); without
   * them, any error the classifier calls `notFound`.
   */
  callOrAbsent<T>(
    api: ApiCall,
    send: () => Promise<T>,
    absentCodes?: readonly string[],
    at?: string,
  ): Promise<T | undefined>;
}

/**
 * One resource type, declared once (Cloud Custodian's resource registry is the model): its facts schema, every
 * call it makes with the permission each needs, how items are listed and how one item becomes facts. The kit's
 * runner does the rest: bounded concurrency, attempts and time budget, error records, validation, emit.
 */
export interface ResourceTypeDeclaration<P, Item, Shared = undefined> {
  /** `aws.kms.key`: also the key of its facts schema in src/core/facts. */
  type: string;
  /** The service it belongs to, for the `services` setting and per-service concurrency lanes. */
  service: string;
  scope: ResourceScope;
  facts: z.ZodType;
  /** Every API call this type makes: `assay permissions` prints their permissions, and `call` enforces it. */
  calls: readonly ApiCall[];
  /** Items read at the same time (each holds its replies until built). */
  itemsInFlight?: number;
  /**
   * Items that belong to independent lanes (S3 buckets to their regions): at most `inFlight(lane)` items of one
   * lane read at a time and at most `waiting` listed but not started (kit/bounded.ts forEachBoundedPerLane).
   * Replaces `itemsInFlight` when given.
   */
  lanes?: { of(item: Item): string; inFlight(lane: string, ctx: TypeContext<P>): number; waiting: number };
  /**
   * Optional read shared by all items of one place (KMS aliases: one paginated list instead of one call per
   * key). It handles its own failures: what it returns is passed to every read().
   */
  prepare?(ctx: TypeContext<P>): Promise<Shared>;
  /**
   * The list call(s), page by page (or the items `prepare` already read). A failure here means the type could
   * not be listed in this place.
   */
  list(ctx: TypeContext<P>, shared: Shared): AsyncIterable<Item>;
  /**
   * Read one listed item into `facts` (list fields directly, detail calls through ctx.call; a failed detail
   * read marks its facts unreadable) and say who it is; undefined skips an item the list should not have had.
   */
  read(
    ctx: TypeContext<P>,
    item: Item,
    facts: FactsRecord,
    shared: Shared,
  ): Promise<ResourceIdentity | undefined>;
}

/** Helper that keeps the generic parameters inferred at the declaration site. */
export function defineResourceType<P, Item, Shared = undefined>(
  declaration: ResourceTypeDeclaration<P, Item, Shared>,
): ResourceTypeDeclaration<P, Item, Shared> {
  return declaration;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds declarations of different item types.
export type AnyResourceType<P> = ResourceTypeDeclaration<P, any, any>;
