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
 * GET a child resource of an ARM resource (`{id}/auditingSettings/default`) with its api-version, as one call;
 * its `properties` are mapped inside the call, so a reply of another shape is that call's service error.
 */
export function readChild<T>(
  ctx: AzureTypeContext,
  call: ApiCall,
  path: string,
  apiVersion: string,
  map: (properties: unknown) => T,
): Promise<T> {
  return ctx.call(call, async () => map(propertiesOf(await ctx.provider.arm.get(path, apiVersion))));
}

/** One fact read from a child resource (readChild): a failed read makes only that fact unreadable. */
export function readChildFact<T>(
  ctx: AzureTypeContext,
  facts: FactsRecord,
  fact: string,
  child: { call: ApiCall; path: string; apiVersion: string },
  map: (properties: unknown) => T,
): Promise<void> {
  return facts.read(
    fact,
    () => readChild(ctx, child.call, child.path, child.apiVersion, map),
    (value) => facts.set(fact, value, child.call),
  );
}

/** How one ARM resource is read with one GET of its api-version (see armResourceType). */
export interface ArmResourceRead {
  apiVersion: string;
  facts: z.ZodObject;
  read: ApiCall;
  toFacts: (properties: unknown, summary: GenericResourceSummary) => Record<string, unknown>;
  notReported?: Record<string, string>;
  extra?: (ctx: AzureTypeContext, summary: GenericResourceSummary, facts: FactsRecord) => Promise<void>;
}

/**
 * Read one listed ARM resource: one GET, its `properties` mapped to facts by a pure function. A failed GET
 * makes every fact of the type unreadable; a resource deleted between listing and reading (404) gives
 * undefined (not reported). `notReported` names facts ARM may leave out although they exist elsewhere
 * (absent → unreadable with that reason, so the rules give `error`); `extra` reads child resources.
 */
export async function readArmResource(
  ctx: AzureTypeContext,
  summary: GenericResourceSummary,
  facts: FactsRecord,
  spec: ArmResourceRead,
): Promise<ResourceIdentity | undefined> {
  let mapped: Record<string, unknown> | undefined;
  try {
    mapped = await ctx.callOrAbsent(spec.read, async () =>
      spec.toFacts(propertiesOf(await ctx.provider.arm.get(summary.id, spec.apiVersion)), summary),
    );
  } catch (err) {
    facts.fail(Object.keys(spec.facts.shape), err);
    return identityOf(summary, ctx.provider.subscriptionId);
  }
  if (!mapped) return undefined;
  setAll(facts, mapped, spec.read);
  for (const [key, reason] of Object.entries(spec.notReported ?? {})) {
    if (!(key in mapped)) facts.fail(key, new Error(reason));
  }
  if (spec.extra) await spec.extra(ctx, summary, facts);
  return identityOf(summary, ctx.provider.subscriptionId);
}

/**
 * The common shape of an Azure resource type: listed by the subscription's resource list and read with one
 * GET of its ARM type's api-version (readArmResource).
 */
export function armResourceType(
  spec: ArmResourceRead & {
    type: string;
    service: string;
    armType: string;
    extraCalls?: readonly ApiCall[];
  },
): AnyResourceType<SubscriptionScope> {
  return defineResourceType<SubscriptionScope, GenericResourceSummary>({
    type: spec.type,
    service: spec.service,
    scope: "perProject",
    facts: spec.facts,
    calls: [AZURE_CALLS.listResources, spec.read, ...(spec.extraCalls ?? [])],
    list: (ctx) => listedOf(ctx, spec.armType),
    read: (ctx, summary, facts) => readArmResource(ctx, summary, facts, spec),
  });
}
