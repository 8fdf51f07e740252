import { z } from "zod";
import { GcpServiceAccountKeyFactsSchema } from "../../../core/facts/gcp.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import { isServiceDisabled, parseReply, unreadableItem } from "../errors.js";
import { type GcpHandle, noteDisabled } from "../handle.js";

export const SA_KEY_CALLS = {
  listAccounts: apiCall("iam.serviceAccounts.list"),
  listKeys: apiCall("iam.serviceAccountKeys.list"),
};

const AccountsPageSchema = z.object({
  accounts: z.array(z.object({ email: z.string(), name: z.string() })).nullish(),
  nextPageToken: z.string().nullish(),
});
const KeysSchema = z.object({ keys: z.array(z.unknown()).nullish() });
/** The fields of a `ServiceAccountKey` (IAM API v1) that facts are read from. */
const KeySchema = z.object({
  name: z.string(),
  keyType: z.string().nullish(),
  keyOrigin: z.string().nullish(),
  keyAlgorithm: z.string().nullish(),
  validAfterTime: z.string().nullish(),
  validBeforeTime: z.string().nullish(),
  disabled: z.boolean().nullish(),
});

interface ListedKey {
  email: string;
  raw: unknown;
}

const iso = (value: string | null | undefined) => {
  const time = value ? new Date(value) : undefined;
  return time && !Number.isNaN(time.getTime()) ? time.toISOString() : undefined;
};

export function serviceAccountKeyFacts(
  email: string,
  raw: z.infer<typeof KeySchema>,
): z.input<typeof GcpServiceAccountKeyFactsSchema> {
  const validAfterTime = iso(raw.validAfterTime);
  const validBeforeTime = iso(raw.validBeforeTime);
  return {
    serviceAccount: email,
    ...(raw.keyType ? { keyType: raw.keyType } : {}),
    ...(raw.keyOrigin ? { keyOrigin: raw.keyOrigin } : {}),
    ...(raw.keyAlgorithm ? { keyAlgorithm: raw.keyAlgorithm } : {}),
    ...(validAfterTime ? { validAfterTime } : {}),
    ...(validBeforeTime ? { validBeforeTime } : {}),
    ...(raw.disabled != null ? { disabled: raw.disabled } : {}),
  };
}

/**
 * User-managed keys of every service account in a project (`serviceAccounts.list`, then each account's
 * `keys.list?keyTypes=USER_MANAGED`; Google-managed keys rotate themselves). A service account whose keys
 * cannot be listed fails the type in that project, so no key is silently left out. How old a key may be is
 * the rule's judgement against the organisation profile (GCP-IAM-002).
 */
export const serviceAccountKey = defineResourceType<GcpHandle, ListedKey>({
  type: "gcp.iam.serviceAccountKey",
  service: "iam",
  scope: "perProject",
  facts: GcpServiceAccountKeyFactsSchema,
  calls: Object.values(SA_KEY_CALLS),

  async *list(ctx) {
    const { iam } = ctx.provider.apis;
    const accounts = paginate(
      async (pageToken) =>
        parseReply(
          SA_KEY_CALLS.listAccounts,
          AccountsPageSchema,
          await ctx.call(SA_KEY_CALLS.listAccounts, () =>
            iam.listServiceAccounts(`projects/${ctx.where}`, pageToken),
          ),
        ),
      (page) => page.accounts ?? [],
      (page) => page.nextPageToken ?? undefined,
    );
    try {
      const listed: { email: string; name: string }[] = [];
      for await (const account of accounts) listed.push(account);
      // Every account's keys are asked at once (the scan's limiter bounds the calls in flight); one account
      // whose keys cannot be listed fails the type in this project rather than leaving its keys out.
      const keysPerAccount = await Promise.all(
        listed.map(async (account) => {
          const reply = parseReply(
            SA_KEY_CALLS.listKeys,
            KeysSchema,
            await ctx.call(SA_KEY_CALLS.listKeys, () =>
              iam.listServiceAccountKeys(account.name, "USER_MANAGED"),
            ),
          );
          return (reply.keys ?? []).map((raw) => ({ email: account.email, raw }));
        }),
      );
      yield* keysPerAccount.flat();
    } catch (err) {
      // Without the IAM API enabled a project has no service account keys Assay could list.
      if (!isServiceDisabled(err)) throw err;
      noteDisabled(ctx.provider, `${ctx.where}/iam`);
    }
  },

  async read(ctx, { email, raw }, facts) {
    const identity = (name: string) => ({
      uid: `//iam.googleapis.com/${name}`,
      name: `${email}/${name.split("/").pop() ?? name}`,
      account: ctx.where,
      region: "global",
    });
    const parsed = KeySchema.safeParse(raw);
    if (!parsed.success) {
      return unreadableItem(
        facts,
        GcpServiceAccountKeyFactsSchema,
        SA_KEY_CALLS.listKeys,
        raw,
        parsed.error,
        identity,
      );
    }
    for (const [key, value] of Object.entries(serviceAccountKeyFacts(email, parsed.data))) {
      facts.set(key, value, SA_KEY_CALLS.listKeys);
    }
    return identity(parsed.data.name);
  },
});
