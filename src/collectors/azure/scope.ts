import type { z } from "zod";
import type { ApiCall } from "../kit/calls.js";
import type { FactsRecord, ResourceIdentity } from "../kit/facts.js";
import { type AnyResourceType, defineResourceType, type TypeContext } from "../kit/resource-type.js";
import type { ArmReader, GenericResourceSummary } from "./arm.js";
import { AZURE_CALLS } from "./calls.js";
import type { GraphReader } from "./graph.js";
import type { SubscriptionListing } from "./listing.js";

/**
 * What every Azure resource type is given for one subscription: the ARM reader, the subscription's resources
 * (listed once, read by every type as pages arrive), and reads several types share (which VMs the Recovery
 * Services vaults protect), memoised so each is made once per subscription.
 */
export interface SubscriptionScope {
  arm: ArmReader;
  /** Microsoft Graph, when `azure.entra` is configured (subscription owners' MFA registration). */
  graph?: GraphReader;
  subscriptionId: string;
  /** The subscription's resources as they are listed (types read while later pages arrive). */
  listing: SubscriptionListing;
  /** Shared reads, by name: the first caller starts it, the others wait for the same promise. */
  once<T>(name: string, read: () => Promise<T>): Promise<T>;
  /** A failure that costs part of a type in this subscription (one vault's keys), reported on its own scope. */
  reportPartial(scope: string, err: unknown, resourceTypes: string[]): void;
}

export type AzureTypeContext = TypeContext<SubscriptionScope>;

export function identityOf(summary: GenericResourceSummary, subscriptionId: string): ResourceIdentity {
  return {
    uid: summary.id,
    name: summary.name,
    account: subscriptionId,
    ...(summary.location ? { region: summary.location } : {}),
    tags: summary.tags,
  };
}

/** The listed resources of one ARM type (lower case) in this subscription. */
export function listedOf(ctx: AzureTypeContext, armType: string): AsyncIterable<GenericResourceSummary> {
  return ctx.provider.listing.ofType(armType);
}

export function propertiesOf(reply: unknown): unknown {
  return (reply as { properties?: unknown } | undefined)?.properties;
}

/** Set every key of a mapped facts object, each with the call it came from. */
export function setAll(facts: FactsRecord, mapped: Record<string, unknown>, from: ApiCall): void {
  for (const [key, value] of Object.entries(mapped)) facts.set(key, value, from);
}

/**
 * The common shape of an Azure resource type: listed by the subscription's resource list, read with one GET
 * of its ARM type's api-version, its `properties` mapped to facts by a pure function. A failed GET makes every
 * fact of the type unreadable; a resource deleted between listing and reading (404) is not reported.
 * `extra` reads child resources into more facts; `notReported` names facts ARM may leave out although they
 * exist elsewhere (absent → unreadable with that reason, so the rules give `error`).
 */
export function armResourceType(spec: {
  type: string;
  service: string;
  armType: string;
  apiVersion: string;
  facts: z.ZodObject;
  read: ApiCall;
  extraCalls?: readonly ApiCall[];
  toFacts: (properties: unknown, summary: GenericResourceSummary) => Record<string, unknown>;
  notReported?: Record<string, string>;
  extra?: (ctx: AzureTypeContext, summary: GenericResourceSummary, facts: FactsRecord) => Promise<void>;
}): AnyResourceType<SubscriptionScope> {
  const keys = Object.keys(spec.facts.shape);
  return defineResourceType<SubscriptionScope, GenericResourceSummary>({
    type: spec.type,
    service: spec.service,
    scope: "perProject",
    facts: spec.facts,
    calls: [AZURE_CALLS.listResources, spec.read, ...(spec.extraCalls ?? [])],
    list: (ctx) => listedOf(ctx, spec.armType),
    async read(ctx, summary, facts) {
      let mapped: Record<string, unknown> | undefined;
      try {
        mapped = await ctx.callOrAbsent(spec.read, async () =>
          spec.toFacts(propertiesOf(await ctx.provider.arm.get(summary.id, spec.apiVersion)), summary),
        );
      } catch (err) {
        facts.fail(keys, err);
        return identityOf(summary, ctx.provider.subscriptionId);
      }
      if (!mapped) return undefined;
      setAll(facts, mapped, spec.read);
      for (const [key, reason] of Object.entries(spec.notReported ?? {})) {
        if (!(key in mapped)) facts.fail(key, new Error(reason));
      }
      if (spec.extra) await spec.extra(ctx, summary, facts);
      return identityOf(summary, ctx.provider.subscriptionId);
    },
  });
}
