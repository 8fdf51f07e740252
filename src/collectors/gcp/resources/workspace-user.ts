import { z } from "zod";
import { GcpWorkspaceUserFactsSchema } from "../../../core/facts/gcp.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import { unreadableItem } from "../errors.js";
import type { GcpHandle } from "../handle.js";
import { listPages } from "../listed-items.js";

/** Admin SDK calls are authorised by OAuth scope (domain-wide delegation), not an IAM permission. */
export const DIRECTORY_USERS_SCOPE = "admin.directory.user.readonly";
export const WORKSPACE_CALLS = { list: apiCall("admin.directory.users.list", DIRECTORY_USERS_SCOPE) };

/** The fields of an `admin#directory#user` (Admin SDK Directory API v1, User) that facts are read from. */
const UserSchema = z.object({
  id: z.string(),
  primaryEmail: z.string(),
  customerId: z.string().nullish(),
  isAdmin: z.boolean().nullish(),
  isDelegatedAdmin: z.boolean().nullish(),
  isEnrolledIn2Sv: z.boolean().nullish(),
  isEnforcedIn2Sv: z.boolean().nullish(),
  suspended: z.boolean().nullish(),
  archived: z.boolean().nullish(),
  lastLoginTime: z.string().nullish(),
});
const UsersSchema = z.object({ users: z.array(z.unknown()).nullish(), nextPageToken: z.string().nullish() });

/** The Directory API says "never signed in" with the epoch. */
const NEVER = "1970-01-01T00:00:00.000Z";
const FLAGS = [
  "isAdmin",
  "isDelegatedAdmin",
  "isEnrolledIn2Sv",
  "isEnforcedIn2Sv",
  "suspended",
  "archived",
] as const;

export function workspaceUserFacts(
  user: z.infer<typeof UserSchema>,
): z.input<typeof GcpWorkspaceUserFactsSchema> {
  const last = user.lastLoginTime ? new Date(user.lastLoginTime) : undefined;
  return {
    primaryEmail: user.primaryEmail,
    // Only the flags the Directory API returned: a missing one is not read as false.
    ...Object.fromEntries(FLAGS.flatMap((f) => (user[f] == null ? [] : [[f, user[f]]]))),
    ...(last && !Number.isNaN(last.getTime()) && last.toISOString() !== NEVER
      ? { lastLoginTime: last.toISOString() }
      : {}),
  };
}

/** Google Workspace users of the configured customer (`where` is the customer id or `my_customer`). */
export const workspaceUser = defineResourceType<GcpHandle, unknown>({
  type: "gcp.workspace.user",
  service: "workspace",
  scope: "global",
  facts: GcpWorkspaceUserFactsSchema,
  calls: Object.values(WORKSPACE_CALLS),

  list(ctx) {
    const directory = ctx.provider.apis.directory;
    if (!directory) return (async function* () {})();
    return listPages(
      ctx,
      WORKSPACE_CALLS.list,
      UsersSchema,
      async (page) =>
        (
          await directory.users.list({
            customer: ctx.where,
            maxResults: 500,
            projection: "basic",
            ...page,
          })
        ).data,
      (page) => page.users ?? [],
    );
  },

  async read(ctx, item, facts) {
    const parsed = UserSchema.safeParse(item);
    if (!parsed.success) {
      const id = (item as { id?: unknown } | null)?.id;
      return unreadableItem(
        facts,
        GcpWorkspaceUserFactsSchema,
        WORKSPACE_CALLS.list,
        item,
        parsed.error,
        (name) => ({
          uid: `//admin.googleapis.com/customers/${ctx.where}/users/${typeof id === "string" ? id : name}`,
          name,
          account: ctx.where,
        }),
      );
    }
    const user = parsed.data;
    for (const [key, value] of Object.entries(workspaceUserFacts(user)))
      facts.set(key, value, WORKSPACE_CALLS.list);
    const customer = user.customerId ?? ctx.where;
    return {
      uid: `//admin.googleapis.com/customers/${customer}/users/${user.id}`,
      name: user.primaryEmail,
      account: customer,
    };
  },
});
