import type { LimitFunction } from "p-limit";
import type { CollectorError } from "../../core/report.js";
import { type AttemptPolicy, attemptCall } from "../kit/attempts.js";
import { collectType, errorRecord, type ProviderBinding } from "../kit/runner.js";
import type { CollectContext } from "../types.js";
import { type ArmReader, azureClassifier, type GenericResourceSummary } from "./arm.js";
import { AZURE_CALLS } from "./calls.js";
import type { GraphReader } from "./graph.js";
import { SubscriptionListing } from "./listing.js";
import { AZURE_RESOURCE_DECLARATIONS } from "./resources.js";
import type { SubscriptionScope } from "./scope.js";

/** What one scan shares across subscriptions. */
export interface AzureSession {
  arm: ArmReader;
  graph?: GraphReader;
  /** Every read goes through this one limiter, so the whole scan keeps at most N reads in flight. */
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
 * Scan one subscription: list its resources once (if the first page fails, one error for every Azure type of
 * the subscription, naming the permission when denied) and run every declared resource type on the kit over
 * that list, reading while later pages arrive.
 */
export async function collectSubscription(session: AzureSession, subscriptionId: string): Promise<void> {
  const { arm, ctx } = session;
  ctx.progress({ collector: COLLECTOR, scope: subscriptionId, phase: "start" });
  const pages = arm.listResourcePages(subscriptionId);
  // Pages are not queued behind the reads they feed (the limiter bounds reads): a page waiting for hundreds of
  // queued reads would stall the very listing those reads come from.
  const nextPage = () =>
    attemptCall(AZURE_CALLS.listResources, () => pages.next(), azureClassifier, session.policy, ctx.signal);
  // The first page decides whether the subscription can be listed at all: if not, one error for every type.
  let first: GenericResourceSummary[] | undefined;
  try {
    first = await nextPage();
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const record = errorRecord(
      COLLECTOR,
      subscriptionId,
      err,
      AZURE_RESOURCE_DECLARATIONS.map((d) => d.type),
    );
    report(ctx, {
      ...record,
      message: `could not list the resources of subscription ${subscriptionId}: ${record.message}`,
    });
    ctx.progress({ collector: COLLECTOR, scope: subscriptionId, phase: "error" });
    return;
  }
  const listing = new SubscriptionListing();
  listing.add(first ?? []);
  // Later pages are fetched while the types read what is listed; a failed page ends every type's list with it.
  const listed = (async () => {
    try {
      for (let page = first && (await nextPage()); page; page = await nextPage()) listing.add(page);
      listing.finish();
    } catch (err) {
      listing.fail(err);
    }
  })();

  const shared = new Map<string, Promise<unknown>>();
  const scope: SubscriptionScope = {
    arm,
    ...(session.graph ? { graph: session.graph } : {}),
    subscriptionId,
    listing,
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
  await listed;
  ctx.progress({
    collector: COLLECTOR,
    scope: subscriptionId,
    phase: "done",
    resources: counts.reduce((a, b) => a + b, 0),
  });
}
