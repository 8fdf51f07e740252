import { setTimeout as sleep } from "node:timers/promises";
import type { UserDetail } from "@aws-sdk/client-iam";
import { IamUserFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { CallError } from "../../kit/errors.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountFactsCollector } from "../account.js";
import type { AccountScope } from "../context.js";
import { credentialFacts, parseCredentialReport, type ReportRow, ROOT_ROW, reportTime } from "../iam.js";
import { decodePolicyDocument } from "../policy-document.js";
import { loadIamSdk } from "../sdk.js";

const CALLS = {
  generateCredentialReport: apiCall("iam:GenerateCredentialReport"),
  getCredentialReport: apiCall("iam:GetCredentialReport"),
  getAccountAuthorizationDetails: apiCall("iam:GetAccountAuthorizationDetails"),
  getAccountPasswordPolicy: apiCall("iam:GetAccountPasswordPolicy"),
};

const REPORT_SOURCE = "api: iam:GetCredentialReport";

type Ctx = TypeContext<AccountScope>;

const iamClient = (ctx: Ctx) =>
  ctx.provider.client("iam", ctx.provider.homeRegion, (config) => new (loadIamSdk().IAMClient)(config));

/** Generate (or reuse) the credential report and read it; AWS builds it asynchronously, so poll politely. */
async function readCredentialReport(ctx: Ctx): Promise<ReportRow[]> {
  const { GenerateCredentialReportCommand, GetCredentialReportCommand } = loadIamSdk();
  const scope = ctx.provider;
  const client = iamClient(ctx);
  const deadline = Date.now() + scope.settings.credentialReportTimeoutSeconds * 1000;
  let wait = 250;
  for (;;) {
    const generated = await ctx.call(CALLS.generateCredentialReport, () =>
      client.send(new GenerateCredentialReportCommand({})),
    );
    if (generated.State === "COMPLETE") break;
    if (Date.now() > deadline) throw new Error("the IAM credential report was not ready in time");
    await sleep(wait, undefined, { signal: scope.signal });
    wait = Math.min(wait * 2, 4000);
  }
  const report = await ctx.call(CALLS.getCredentialReport, () =>
    client.send(new GetCredentialReportCommand({})),
  );
  if (!report.Content) throw new Error("iam:GetCredentialReport returned no content");
  return parseCredentialReport(Buffer.from(report.Content).toString("utf8"));
}

interface AuthorizationDetails {
  users: UserDetail[];
  /** Customer managed policies: ARN → the default version's document, decoded. */
  managedDocuments: Map<string, Record<string, unknown>>;
}

/** One paginated list call answers every user's attached, inline and group policies. */
async function readAuthorizationDetails(ctx: Ctx): Promise<AuthorizationDetails> {
  const { GetAccountAuthorizationDetailsCommand } = loadIamSdk();
  const client = iamClient(ctx);
  const users: UserDetail[] = [];
  const managedDocuments = new Map<string, Record<string, unknown>>();
  const pages = paginate(
    (Marker) =>
      ctx.call(CALLS.getAccountAuthorizationDetails, () =>
        client.send(
          new GetAccountAuthorizationDetailsCommand({
            Filter: ["User", "LocalManagedPolicy"],
            Marker,
            MaxItems: 1000,
          }),
        ),
      ),
    (page) => [page],
    (page) => (page.IsTruncated ? page.Marker : undefined),
  );
  for await (const page of pages) {
    users.push(...(page.UserDetailList ?? []));
    for (const p of page.Policies ?? []) {
      const current = (p.PolicyVersionList ?? []).find((v) => v.IsDefaultVersion);
      const document = asDocument(decodePolicyDocument(current?.Document));
      if (p.Arn && document) managedDocuments.set(p.Arn, document);
    }
  }
  return { users, managedDocuments };
}

async function readPasswordPolicy(ctx: Ctx, account: AccountFactsCollector): Promise<void> {
  const { GetAccountPasswordPolicyCommand } = loadIamSdk();
  const client = iamClient(ctx);
  await account.facts.read(
    "passwordPolicy",
    () =>
      ctx.callOrAbsent(
        CALLS.getAccountPasswordPolicy,
        () => client.send(new GetAccountPasswordPolicyCommand({})),
        ["NoSuchEntity", "NoSuchEntityException"],
      ),
    (reply) => {
      const p = reply?.PasswordPolicy;
      account.facts.set(
        "passwordPolicy",
        {
          exists: p !== undefined,
          // As returned: a field the reply leaves out stays absent, and the rules state what AWS documents
          // its absence to mean (AWS-IAM-007/008/009/010).
          ...(p?.MinimumPasswordLength !== undefined ? { minimumLength: p.MinimumPasswordLength } : {}),
          ...(p?.RequireSymbols !== undefined ? { requireSymbols: p.RequireSymbols } : {}),
          ...(p?.RequireNumbers !== undefined ? { requireNumbers: p.RequireNumbers } : {}),
          ...(p?.RequireUppercaseCharacters !== undefined
            ? { requireUppercase: p.RequireUppercaseCharacters }
            : {}),
          ...(p?.RequireLowercaseCharacters !== undefined
            ? { requireLowercase: p.RequireLowercaseCharacters }
            : {}),
          ...(p?.ExpirePasswords !== undefined ? { expirePasswords: p.ExpirePasswords } : {}),
          ...(p?.MaxPasswordAge !== undefined ? { maxAgeDays: p.MaxPasswordAge } : {}),
          ...(p?.PasswordReusePrevention !== undefined ? { reusePrevention: p.PasswordReusePrevention } : {}),
          ...(p?.HardExpiry !== undefined ? { hardExpiry: p.HardExpiry } : {}),
        },
        CALLS.getAccountPasswordPolicy,
      );
    },
  );
}

/** What the three account-wide IAM reads gave: each either its value or why it failed. */
interface IamReads {
  report: PromiseSettledResult<ReportRow[]>;
  details: PromiseSettledResult<AuthorizationDetails>;
  rows: Map<string, ReportRow>;
  detailByName: Map<string, UserDetail>;
}

/**
 * IAM users (global): the credential report and the authorization details are each read once for the
 * account (prepare), the users are the union of both, and each user's facts come from its row and detail.
 * The same reads give the account's root and password policy facts (account.ts).
 */
export const iamUser = defineResourceType<AccountScope, string, IamReads>({
  type: "aws.iam.user",
  service: "iam",
  scope: "global",
  facts: IamUserFactsSchema,
  calls: Object.values(CALLS),

  async prepare(ctx) {
    const account = ctx.provider.accountFacts;
    const [report, details] = await Promise.allSettled([
      readCredentialReport(ctx),
      readAuthorizationDetails(ctx),
      readPasswordPolicy(ctx, account),
    ]);
    if (report.status === "fulfilled") {
      const root = report.value.find((r) => r.user === ROOT_ROW);
      if (root) {
        const lastUsed = reportTime(root.password_last_used);
        account.facts.set(
          "root",
          {
            mfaActive: root.mfa_active === "true",
            accessKeysPresent: root.access_key_1_active === "true" || root.access_key_2_active === "true",
            ...(lastUsed ? { passwordLastUsedAt: lastUsed.toISOString() } : {}),
          },
          REPORT_SOURCE,
        );
      } else account.facts.fail("root", new Error("the credential report has no <root_account> row"));
    } else account.facts.fail("root", report.reason);

    if (report.status === "rejected" && details.status === "rejected") {
      // Neither source lists users: every IAM user rule becomes error, naming the missing permission.
      throw details.reason instanceof CallError ? details.reason : report.reason;
    }
    const rows = new Map(
      report.status === "fulfilled"
        ? report.value.filter((r) => r.user !== ROOT_ROW).map((r) => [r.user, r])
        : [],
    );
    const detailUsers = details.status === "fulfilled" ? details.value.users : [];
    const detailByName = new Map(detailUsers.flatMap((u) => (u.UserName ? [[u.UserName, u] as const] : [])));
    return { report, details, rows, detailByName };
  },

  async *list(_ctx, reads) {
    yield* [...new Set([...reads.detailByName.keys(), ...reads.rows.keys()])].sort();
  },

  async read(ctx, name, facts, { report, details, rows, detailByName }) {
    const scope = ctx.provider;
    const reportSource = REPORT_SOURCE;
    const detail = detailByName.get(name);
    const row = rows.get(name);
    const arn = detail?.Arn ?? row?.arn ?? `arn:${scope.partition}:iam::${scope.accountId}:user/${name}`;
    facts.set("userName", name, detail ? CALLS.getAccountAuthorizationDetails : reportSource);
    facts.set("arn", arn, detail ? CALLS.getAccountAuthorizationDetails : reportSource);
    if (detail?.UserId) facts.set("userId", detail.UserId, CALLS.getAccountAuthorizationDetails);
    const created = detail?.CreateDate ?? (row ? reportTime(row.user_creation_time) : undefined);
    if (created)
      facts.set(
        "createdAt",
        created.toISOString(),
        detail ? CALLS.getAccountAuthorizationDetails : reportSource,
      );

    if (row) facts.set("credentials", credentialFacts(row), reportSource);
    else if (report.status === "rejected") facts.fail("credentials", report.reason);
    // A user created after the report was generated is not in it yet: say so instead of guessing.
    else
      facts.fail(
        "credentials",
        new Error("user not in the IAM credential report yet (reports are up to 4 hours old)"),
      );

    if (details.status === "fulfilled" && detail) {
      const { managedDocuments } = details.value;
      const managed = (detail.AttachedManagedPolicies ?? []).flatMap((p) =>
        p.PolicyArn ? [p.PolicyArn] : [],
      );
      const inline = detail.UserPolicyList ?? [];
      const groups = detail.GroupList ?? [];
      const document = (d: unknown) => {
        const decoded = asDocument(d);
        return decoded ? { document: decoded } : {};
      };
      facts.set(
        "policies",
        {
          attachedManaged: [...managed].sort(),
          inlineNames: inline.flatMap((p) => (p.PolicyName ? [p.PolicyName] : [])).sort(),
          groups: [...groups].sort(),
          directPolicies: [
            ...managed.sort().map((arn) => ({ arn, ...document(managedDocuments.get(arn)) })),
            ...inline.map((p) => ({
              ...(p.PolicyName ? { name: p.PolicyName } : {}),
              ...document(decodePolicyDocument(p.PolicyDocument)),
            })),
          ],
        },
        CALLS.getAccountAuthorizationDetails,
      );
    } else if (details.status === "rejected") facts.fail("policies", details.reason);
    else
      facts.fail(
        "policies",
        new Error("user not in the authorization details (created or deleted during the scan)"),
      );
    return { uid: arn, name, account: scope.accountId };
  },
});

/** A decoded policy document is a JSON object; anything else is left out (the rule then gives error). */
function asDocument(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
