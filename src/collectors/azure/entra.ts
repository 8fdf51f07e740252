import { z } from "zod";
import { AzureEntraUserFactsSchema } from "../../core/facts/azure.js";
import { defineResourceType } from "../kit/resource-type.js";
import { GRAPH_CALLS } from "./calls.js";
import type { GraphReader } from "./graph.js";
import { present } from "./present.js";
import { setAll } from "./scope.js";

/** What the Entra ID user type is given: the Graph reader and the tenant it answers for (when configured). */
export interface EntraScope {
  graph: GraphReader;
  tenantId?: string;
}

export const USER_REGISTRATION_DETAILS = "/reports/authenticationMethods/userRegistrationDetails";

/** The fields of a `userRegistrationDetails` entity (Microsoft Graph v1.0) that facts are read from. */
export const UserRegistrationDetailsSchema = z.object({
  id: z.string(),
  userPrincipalName: z.string().nullish(),
  userDisplayName: z.string().nullish(),
  userType: z.string().nullish(),
  isAdmin: z.boolean().nullish(),
  isMfaRegistered: z.boolean().nullish(),
  isMfaCapable: z.boolean().nullish(),
  isPasswordlessCapable: z.boolean().nullish(),
  isSsprRegistered: z.boolean().nullish(),
  methodsRegistered: z.array(z.string()).nullish(),
  lastUpdatedDateTime: z.string().nullish(),
});

export function entraUserFacts(
  raw: z.infer<typeof UserRegistrationDetailsSchema>,
): z.input<typeof AzureEntraUserFactsSchema> {
  return {
    ...present("userPrincipalName", raw.userPrincipalName),
    ...present("userDisplayName", raw.userDisplayName),
    ...present("userType", raw.userType),
    ...present("isAdmin", raw.isAdmin),
    ...present("isMfaRegistered", raw.isMfaRegistered),
    ...present("isMfaCapable", raw.isMfaCapable),
    ...present("isPasswordlessCapable", raw.isPasswordlessCapable),
    ...present("isSsprRegistered", raw.isSsprRegistered),
    ...present("methodsRegistered", raw.methodsRegistered),
    ...present("lastUpdatedDateTime", raw.lastUpdatedDateTime),
  };
}

/** A user's uid: the Graph URL of the user object (object ids are GUIDs, unique across tenants). */
export const entraUserUid = (id: string) => `https://graph.microsoft.com/v1.0/users/${id}`;

/**
 * Every Entra ID user with their MFA registration, from Microsoft Graph's user registration details report
 * (`GET /reports/authenticationMethods/userRegistrationDetails`; AuditLog.Read.All, Entra ID P1 or P2).
 * Whether each user must have MFA is the rules' judgement (AZ-ENTRA-001).
 */
export const entraUser = defineResourceType<EntraScope, unknown>({
  type: "azure.entra.user",
  service: "entra",
  scope: "global",
  facts: AzureEntraUserFactsSchema,
  calls: [GRAPH_CALLS.listUserRegistrationDetails],
  async *list(ctx) {
    const pages = ctx.provider.graph.pages(USER_REGISTRATION_DETAILS);
    for (;;) {
      const page = await ctx.call(GRAPH_CALLS.listUserRegistrationDetails, () => pages.next());
      if (!page) return;
      yield* page;
    }
  },
  async read(ctx, item, facts) {
    const parsed = UserRegistrationDetailsSchema.safeParse(item);
    // A row without an id cannot be named: the whole list is a reply Assay cannot read.
    if (!parsed.success) throw parsed.error;
    setAll(facts, entraUserFacts(parsed.data), GRAPH_CALLS.listUserRegistrationDetails);
    return {
      uid: entraUserUid(parsed.data.id),
      name: parsed.data.userPrincipalName ?? parsed.data.id,
      ...(ctx.provider.tenantId ? { account: ctx.provider.tenantId } : {}),
    };
  },
});
