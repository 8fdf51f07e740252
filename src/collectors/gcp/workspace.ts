import { z } from "zod";
import type { GcpWorkspaceUserFactsSchema } from "../../core/facts/gcp.js";
import {
  call,
  emitGcp,
  failureOf,
  type GcpSession,
  pages,
  reportInvalidItem,
  reportListFailure,
  sourcesFor,
} from "./session.js";

/** Admin SDK calls are authorised by OAuth scope (domain-wide delegation), not an IAM permission. */
export const DIRECTORY_USERS_SCOPE = "admin.directory.user.readonly";

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

const NEVER = "1970-01-01T00:00:00.000Z";

export function workspaceUserFacts(
  user: z.infer<typeof UserSchema>,
): z.input<typeof GcpWorkspaceUserFactsSchema> {
  const last = user.lastLoginTime ? new Date(user.lastLoginTime) : undefined;
  const flags = [
    "isAdmin",
    "isDelegatedAdmin",
    "isEnrolledIn2Sv",
    "isEnforcedIn2Sv",
    "suspended",
    "archived",
  ] as const;
  return {
    primaryEmail: user.primaryEmail,
    // Only the flags the Directory API returned: a missing one is not read as false.
    ...Object.fromEntries(flags.flatMap((f) => (user[f] == null ? [] : [[f, user[f]]]))),
    // The Directory API says "never signed in" with the epoch.
    ...(last && !Number.isNaN(last.getTime()) && last.toISOString() !== NEVER
      ? { lastLoginTime: last.toISOString() }
      : {}),
  };
}

export async function collectWorkspaceUsers(session: GcpSession): Promise<void> {
  const directory = session.apis.directory;
  const workspace = session.settings.workspace;
  if (!directory || !workspace) return;
  const scope = `workspace/${workspace.customer}`;
  try {
    for await (const items of pages(async (pageToken) => {
      const res = await call(session, DIRECTORY_USERS_SCOPE, () =>
        directory.users.list({
          customer: workspace.customer,
          maxResults: 500,
          projection: "basic",
          ...(pageToken ? { pageToken } : {}),
        }),
      );
      const page = UsersSchema.parse(res.data);
      return { items: page.users ?? [], next: page.nextPageToken };
    })) {
      for (const item of items) {
        const user = UserSchema.safeParse(item);
        if (!user.success) {
          reportInvalidItem(session, scope, "gcp.workspace.user", user.error);
          continue;
        }
        const customer = user.data.customerId ?? workspace.customer;
        const attributes = workspaceUserFacts(user.data);
        emitGcp(session, {
          uid: `//admin.googleapis.com/customers/${customer}/users/${user.data.id}`,
          type: "gcp.workspace.user",
          account: customer,
          name: user.data.primaryEmail,
          tags: {},
          attributes,
          sources: sourcesFor(attributes, `admin.directory.users.list (${DIRECTORY_USERS_SCOPE})`),
          unreadable: {},
        });
      }
    }
  } catch (error) {
    reportListFailure(
      session,
      scope,
      "gcp.workspace.user",
      failureOf(error, DIRECTORY_USERS_SCOPE),
      "Workspace users",
    );
  }
}
