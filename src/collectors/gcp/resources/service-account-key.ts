import { z } from "zod";
import { GcpServiceAccountKeyFactsSchema } from "../../../core/facts/gcp.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import { parseReply } from "../errors.js";
import type { GcpHandle } from "../handle.js";
import { listPages, readListedItem, unlessApiDisabled } from "../listed-items.js";

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

/** The user-managed keys of every service account of the project, each with its account's email. */
async function* userManagedKeysOf(ctx: TypeContext<GcpHandle>): AsyncGenerator<ListedKey> {
  const { iam } = ctx.provider.apis;
  const listed: { email: string; name: string }[] = [];
  const accounts = listPages(
    ctx,
    SA_KEY_CALLS.listAccounts,
    AccountsPageSchema,
    (page) => iam.listServiceAccounts(`projects/${ctx.where}`, page.pageToken),
    (page) => page.accounts ?? [],
  );
  for await (const account of accounts) listed.push(account);
  // Every account's keys are asked at once (the scan's limiter bounds the calls in flight); one account
  // whose keys cannot be listed fails the type in this project rather than leaving its keys out.
  const keysPerAccount = await Promise.all(
    listed.map(async (account) => {
      const reply = parseReply(
        SA_KEY_CALLS.listKeys,
        KeysSchema,
        await ctx.call(SA_KEY_CALLS.listKeys, () => iam.listServiceAccountKeys(account.name, "USER_MANAGED")),
      );
      return (reply.keys ?? []).map((raw) => ({ email: account.email, raw }));
    }),
  );
  yield* keysPerAccount.flat();
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

  list(ctx) {
    // Without the IAM API enabled a project has no service account keys Assay could list.
    return unlessApiDisabled(ctx, "iam", userManagedKeysOf(ctx));
  },

  async read(ctx, { email, raw }, facts) {
    return readListedItem(
      {
        call: SA_KEY_CALLS.listKeys,
        itemSchema: KeySchema,
        factsSchema: GcpServiceAccountKeyFactsSchema,
        factsOf: (key) => serviceAccountKeyFacts(email, key),
        identity: (name) => ({
          uid: `//iam.googleapis.com/${name}`,
          name: `${email}/${name.split("/").pop() ?? name}`,
          account: ctx.where,
          region: "global",
        }),
      },
      raw,
      facts,
    );
  },
});
