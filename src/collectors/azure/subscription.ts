import type { LimitFunction } from "p-limit";
import type { CollectorError } from "../../core/report.js";
import { type AttemptPolicy, attemptCall } from "../kit/attempts.js";
import { collectType, errorRecord, type ProviderBinding } from "../kit/runner.js";
import type { CollectContext } from "../types.js";
import { type ArmReader, azureClassifier, type GenericResourceSummary } from "./arm.js";
import { AZURE_CALLS } from "./calls.js";
import { AZURE_RESOURCE_TYPES } from "./produces.js";
import { AZURE_RESOURCE_DECLARATIONS } from "./resources.js";
import type { SubscriptionScope } from "./scope.js";

/** What one scan shares across subscriptions. */
export interface AzureSession {
  arm: ArmReader;
  /** Every ARM call goes through this one limiter, so the whole scan keeps at most N calls in flight. */
  limit: LimitFunction;
  policy: AttemptPolicy;
  ctx: CollectContext;
}

const COLLECTOR = "azure";

function report(
  ctx: CollectContext,
  record: Omit<CollectorError, "resourceTypes"> & { resourceTypes?: string[] },
) {
  ctx.reportError(record);
}

/**
 * Scan one subscription: list its resources once (a failure costs every Azure type of the subscription, one
 * error naming the permission when denied), then run every declared resource type on the kit over that list.
 */
export async function collectSubscription(session: AzureSession, subscriptionId: string): Promise<void> {
  const { arm, ctx } = session;
  ctx.progress({ collector: COLLECTOR, scope: subscriptionId, phase: "start" });
  let listing: GenericResourceSummary[];
  try {
    listing = await session.limit(() =>
      attemptCall(
        AZURE_CALLS.listResources,
        () => arm.listResources(subscriptionId),
        azureClassifier,
        session.policy,
        ctx.signal,
      ),
    );
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const record = errorRecord(COLLECTOR, subscriptionId, err, [...AZURE_RESOURCE_TYPES]);
    report(ctx, {
      ...record,
      message: `could not list the resources of subscription ${subscriptionId}: ${record.message}`,
    });
    ctx.progress({ collector: COLLECTOR, scope: subscriptionId, phase: "error" });
    return;
  }

  const listed = new Map<string, GenericResourceSummary[]>();
  for (const summary of listing) {
    const type = summary.type.toLowerCase();
    listed.set(type, [...(listed.get(type) ?? []), summary]);
  }
  const shared = new Map<string, Promise<unknown>>();
  const scope: SubscriptionScope = {
    arm,
    subscriptionId,
    listed,
    once<T>(name: string, read: () => Promise<T>): Promise<T> {
      let promise = shared.get(name) as Promise<T> | undefined;
      if (!promise) {
        promise = read();
        shared.set(name, promise);
      }
      return promise;
    },
    reportPartial(errorScope, err, resourceTypes) {
      report(ctx, errorRecord(COLLECTOR, errorScope, err, resourceTypes));
    },
  };
  const binding: ProviderBinding<SubscriptionScope> = {
    provider: COLLECTOR,
    handle: scope,
    classifier: azureClassifier,
    policy: session.policy,
    signal: ctx.signal,
    limiter: () => session.limit,
    emit: (resource) => ctx.emit(resource),
    reportError: (record) => report(ctx, record),
    itemsInFlight: 64,
  };
  const counts = await Promise.all(
    AZURE_RESOURCE_DECLARATIONS.map((decl) => collectType(binding, decl, subscriptionId, subscriptionId)),
  );
  ctx.progress({
    collector: COLLECTOR,
    scope: subscriptionId,
    phase: "done",
    resources: counts.reduce((a, b) => a + b, 0),
  });
}
