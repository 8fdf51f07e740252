import type { LimitFunction } from "p-limit";
import type { CollectorError } from "../../core/report.js";
import type { ResourceInput } from "../../core/resource.js";
import { type AttemptPolicy, attemptCall } from "./attempts.js";
import { forEachBounded, forEachBoundedPerLane } from "./bounded.js";
import type { ApiCall } from "./calls.js";
import { CallError, type ErrorClassifier } from "./errors.js";
import { FactsRecord } from "./facts.js";
import type { AnyResourceType, TypeContext } from "./resource-type.js";

type ErrorRecord = Omit<CollectorError, "resourceTypes"> & { resourceTypes?: string[] };

/**
 * What a provider gives the kit to run its resource types: its handle, how to classify its SDK's errors, the
 * attempt policy, a concurrency lane per service and place, and where results go.
 */
export interface ProviderBinding<P> {
  /** `aws`, `azure`, `gcp`: the Resource's provider and the collector error's collector. */
  provider: string;
  handle: P;
  classifier: ErrorClassifier;
  policy: AttemptPolicy;
  signal: AbortSignal;
  /** Calls in flight per service and place are bounded by the limiter returned here. */
  limiter(service: string, where: string): LimitFunction;
  emit(resource: ResourceInput): void;
  reportError(error: ErrorRecord): void;
  /** Default items read at the same time, when a declaration does not say. */
  itemsInFlight: number;
}

/**
 * The context one declaration runs with in one place. Its `call` refuses operations the declaration did not
 * list, so the declared calls (and the permissions printed from them) are exactly the calls made.
 */
export function typeContext<P>(
  binding: ProviderBinding<P>,
  decl: AnyResourceType<P>,
  where: string,
): TypeContext<P> {
  const declared = new Set(decl.calls);
  const limit = binding.limiter(decl.service, where);
  const call = <T>(api: ApiCall, send: () => Promise<T>, at?: string): Promise<T> => {
    if (!declared.has(api)) {
      throw new Error(`${decl.type} calls ${api.api}, which its declaration does not list in calls`);
    }
    const lane = at === undefined || at === where ? limit : binding.limiter(decl.service, at);
    return lane(() => attemptCall(api, send, binding.classifier, binding.policy, binding.signal));
  };
  return {
    provider: binding.handle,
    where,
    call,
    async callOrAbsent(api, send, absentCodes, at) {
      try {
        return await call(api, send, at);
      } catch (err) {
        const absent = absentCodes
          ? absentCodes.includes((err as CallError).wireCode)
          : (err as CallError).kind === "notFound";
        if (err instanceof CallError && absent) {
          return undefined;
        }
        throw err;
      }
    },
  };
}

/**
 * Collect one resource type in one place: prepare, list, read each item with at most `itemsInFlight` at a
 * time, build and emit. A failed list becomes one collector error naming the type (its rules give `error`);
 * a failed detail read costs only the facts it was for. Returns the number of resources emitted.
 */
export async function collectType<P>(
  binding: ProviderBinding<P>,
  decl: AnyResourceType<P>,
  where: string,
  errorScope: string,
): Promise<number> {
  const ctx = typeContext(binding, decl, where);
  let count = 0;
  try {
    const shared = decl.prepare ? await decl.prepare(ctx) : undefined;
    const readOne = async (item: unknown) => {
      const facts = new FactsRecord();
      const who = await decl.read(ctx, item, facts, shared);
      if (!who) return;
      binding.emit(facts.build(decl.facts, decl.type, binding.provider, who));
      count += 1;
    };
    const items = decl.list(ctx, shared);
    const { lanes } = decl;
    if (lanes) {
      await forEachBoundedPerLane(
        items,
        lanes.of,
        (lane) => lanes.inFlight(lane, ctx),
        lanes.waiting,
        readOne,
      );
    } else await forEachBounded(items, decl.itemsInFlight ?? binding.itemsInFlight, readOne);
  } catch (err) {
    if (binding.signal.aborted) throw err;
    binding.reportError(errorRecord(binding.provider, errorScope, err, [decl.type]));
  }
  return count;
}

/**
 * The collector error record of a failure: a plain message, the kind, the permission only for a denial, and
 * the raw SDK text in `debug`.
 */
export function errorRecord(
  collector: string,
  scope: string,
  err: unknown,
  resourceTypes: string[],
): ErrorRecord {
  if (err instanceof CallError) {
    return {
      collector,
      scope,
      code: err.reportCode,
      kind: err.kind,
      message: err.message,
      ...(err.kind === "denied" ? { permission: err.permission } : {}),
      debug: err.debug,
      resourceTypes,
    };
  }
  const e = err as { code?: unknown } | null;
  return {
    collector,
    scope,
    code: typeof e?.code === "string" ? e.code : "COLLECTOR_FAILED",
    message: err instanceof Error ? err.message : String(err),
    resourceTypes,
  };
}
