import { z } from "zod";
import { AzureSubscriptionFactsSchema } from "../../core/facts/azure.js";
import { defineResourceType } from "../kit/resource-type.js";
import { AZURE_CALLS, GRAPH_CALLS } from "./calls.js";
import { UserRegistrationDetailsSchema } from "./entra.js";
import { present } from "./present.js";
import type { AzureTypeContext, SubscriptionScope } from "./scope.js";

export const SECURITY_PRICINGS_API_VERSION = "2024-01-01";
export const ROLE_ASSIGNMENTS_API_VERSION = "2022-04-01";
/** The built-in Owner role's definition id, the same in every tenant (Azure built-in roles reference). */
export const OWNER_ROLE_DEFINITION = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

export const GRAPH_NOT_CONFIGURED =
  "not read: the owners' MFA registration comes from Microsoft Graph, which is off (set azure.entra to read it)";

const PricingSchema = z.object({
  name: z.string(),
  properties: z
    .object({
      pricingTier: z.string().nullish(),
      subPlan: z.string().nullish(),
      deprecated: z.boolean().nullish(),
    })
    .nullish(),
});

/** `pricings` (Microsoft.Security 2024-01-01, Pricing list) as plans by name, fields as returned. */
export function defenderPlansFacts(
  items: unknown[],
): NonNullable<z.input<typeof AzureSubscriptionFactsSchema>["defenderPlans"]> {
  const plans: NonNullable<z.input<typeof AzureSubscriptionFactsSchema>["defenderPlans"]> = {};
  for (const raw of items) {
    const p = PricingSchema.parse(raw);
    plans[p.name] = {
      ...present("pricingTier", p.properties?.pricingTier),
      ...present("subPlan", p.properties?.subPlan),
      ...present("deprecated", p.properties?.deprecated),
    };
  }
  return plans;
}

const RoleAssignmentSchema = z.object({
  properties: z.object({
    roleDefinitionId: z.string(),
    principalId: z.string(),
    principalType: z.string().nullish(),
    scope: z.string().nullish(),
  }),
});

/** The role assignments of the built-in Owner role, in the order ARM listed them. */
export function ownerAssignments(items: unknown[]) {
  return items
    .map((raw) => RoleAssignmentSchema.parse(raw).properties)
    .filter((a) => a.roleDefinitionId.toLowerCase().endsWith(`/${OWNER_ROLE_DEFINITION}`));
}

async function readOwners(ctx: AzureTypeContext, subscriptionId: string) {
  const assignments = ownerAssignments(
    await ctx.call(AZURE_CALLS.readRoleAssignments, () =>
      ctx.provider.arm.listChildren(
        `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleAssignments`,
        ROLE_ASSIGNMENTS_API_VERSION,
        // Assignments at the subscription and above it (management groups), which all own the subscription.
        "atScope()",
      ),
    ),
  );
  const { graph } = ctx.provider;
  if (!graph && assignments.some((a) => a.principalType === "User")) throw new Error(GRAPH_NOT_CONFIGURED);
  return Promise.all(
    assignments.map(async (a) => {
      const owner = {
        principalId: a.principalId,
        ...present("principalType", a.principalType),
        ...present("scope", a.scope),
      };
      if (a.principalType !== "User" || !graph) return owner;
      // A user missing from the report (404) keeps no MFA facts: the rule gives `error` for it, never pass.
      const details = await ctx.callOrAbsent(GRAPH_CALLS.getUserRegistrationDetails, async () =>
        UserRegistrationDetailsSchema.parse(
          await graph.get(`/reports/authenticationMethods/userRegistrationDetails/${a.principalId}`),
        ),
      );
      return {
        ...owner,
        ...present("userPrincipalName", details?.userPrincipalName),
        ...present("isMfaRegistered", details?.isMfaRegistered),
        ...present("isMfaCapable", details?.isMfaCapable),
      };
    }),
  );
}

/**
 * The subscription itself: its Microsoft Defender for Cloud plans (`pricings`) and its owners (Owner role
 * assignments, users with their MFA registration from Microsoft Graph). Each is read on its own, so a denied
 * read costs only its fact. Whether the plans are on and the owners have MFA is the rules' judgement.
 */
export const subscriptionFacts = defineResourceType<SubscriptionScope, string>({
  type: "azure.subscription",
  service: "subscription",
  scope: "perProject",
  facts: AzureSubscriptionFactsSchema,
  calls: [
    AZURE_CALLS.readDefenderPricings,
    AZURE_CALLS.readRoleAssignments,
    GRAPH_CALLS.getUserRegistrationDetails,
  ],
  async *list(ctx) {
    yield ctx.provider.subscriptionId;
  },
  async read(ctx, subscriptionId, facts) {
    await Promise.all([
      facts.read(
        "defenderPlans",
        () =>
          ctx.call(AZURE_CALLS.readDefenderPricings, async () =>
            defenderPlansFacts(
              await ctx.provider.arm.listChildren(
                `/subscriptions/${subscriptionId}/providers/Microsoft.Security/pricings`,
                SECURITY_PRICINGS_API_VERSION,
              ),
            ),
          ),
        (plans) => facts.set("defenderPlans", plans, AZURE_CALLS.readDefenderPricings),
      ),
      facts.read(
        "owners",
        () => readOwners(ctx, subscriptionId),
        (owners) => facts.set("owners", owners, AZURE_CALLS.readRoleAssignments),
      ),
    ]);
    return {
      uid: `/subscriptions/${subscriptionId}`,
      name: subscriptionId,
      account: subscriptionId,
      tags: {},
    };
  },
});
