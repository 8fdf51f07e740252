import { setTimeout as sleep } from "node:timers/promises";
import type { UserDetail } from "@aws-sdk/client-iam";
import { z } from "zod";
import { IamUserFactsSchema } from "../../core/facts/aws.js";
import { daysBetween, paginate } from "../kit/bounded.js";
import { CallError } from "../kit/errors.js";
import type { AccountFactsCollector } from "./account.js";
import { type AccountScope, FactsBuilder } from "./context.js";
import { AWS_CALLS as C } from "./permissions.js";
import { decodePolicyDocument } from "./policy-document.js";
import { loadIamSdk } from "./sdk.js";

const {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetCredentialReportCommand,
  IAMClient,
} = loadIamSdk();
type IAMClient = InstanceType<typeof IAMClient>;

const ROOT_ROW = "<root_account>";

/** One credential-report row; the columns Assay reads, validated (the report is CSV, so every value is text). */
const ReportRowSchema = z.looseObject({
  user: z.string().min(1),
  arn: z.string().min(1),
  user_creation_time: z.string(),
  password_enabled: z.string(),
  password_last_used: z.string(),
  password_last_changed: z.string(),
  mfa_active: z.enum(["true", "false"]),
  access_key_1_active: z.enum(["true", "false"]),
  access_key_1_last_rotated: z.string(),
  access_key_1_last_used_date: z.string(),
  access_key_2_active: z.enum(["true", "false"]),
  access_key_2_last_rotated: z.string(),
  access_key_2_last_used_date: z.string(),
});
type ReportRow = z.infer<typeof ReportRowSchema>;

/** Credential reports are simple CSV: a header line, one line per user, no quoted commas in any field. */
export function parseCredentialReport(csv: string): ReportRow[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines.shift() ?? "").split(",");
  return lines.map((line, i) => {
    const values = line.split(",");
    const row = Object.fromEntries(header.map((h, j) => [h, values[j] ?? ""]));
    const parsed = ReportRowSchema.safeParse(row);
    if (!parsed.success)
      throw new Error(
        `credential report line ${i + 2} is not in the expected format: ${parsed.error.message}`,
      );
    return parsed.data;
  });
}

/** A report timestamp, or undefined for N/A, no_information, not_supported. */
function reportTime(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

export function credentialFacts(row: ReportRow, now: Date) {
  const passwordEnabled = row.password_enabled === "true";
  const passwordLastUsed = reportTime(row.password_last_used);
  const created = reportTime(row.user_creation_time);
  const keys = ([1, 2] as const).flatMap((slot) => {
    const rotated = reportTime(slot === 1 ? row.access_key_1_last_rotated : row.access_key_2_last_rotated);
    const active = (slot === 1 ? row.access_key_1_active : row.access_key_2_active) === "true";
    if (!rotated && !active) return [];
    const used = reportTime(slot === 1 ? row.access_key_1_last_used_date : row.access_key_2_last_used_date);
    const since = used ?? rotated;
    return [
      {
        slot,
        active,
        ...(rotated ? { lastRotatedAt: rotated.toISOString(), ageDays: daysBetween(rotated, now) } : {}),
        ...(used ? { lastUsedAt: used.toISOString() } : {}),
        ...(since ? { daysSinceUse: daysBetween(since, now) } : {}),
        neverUsed: used === undefined,
      },
    ];
  });
  const active = keys.filter((k) => k.active);
  const passwordSince = passwordLastUsed ?? reportTime(row.password_last_changed) ?? created;
  const passwordDaysSinceUse = passwordEnabled && passwordSince ? daysBetween(passwordSince, now) : undefined;
  const uses = [
    ...(passwordDaysSinceUse !== undefined ? [passwordDaysSinceUse] : []),
    ...active.map((k) => k.daysSinceUse ?? 0),
  ];
  return {
    passwordEnabled,
    ...(passwordLastUsed ? { passwordLastUsedAt: passwordLastUsed.toISOString() } : {}),
    ...(passwordDaysSinceUse !== undefined ? { passwordDaysSinceUse } : {}),
    mfaActive: row.mfa_active === "true",
    accessKeys: keys,
    activeAccessKeys: active.length,
    oldestActiveAccessKeyAgeDays: Math.max(0, ...active.map((k) => k.ageDays ?? 0)),
    maxDaysSinceCredentialUse: Math.max(0, ...uses),
  };
}

function iamClient(scope: AccountScope): IAMClient {
  return scope.client("iam", scope.homeRegion, (config) => new IAMClient(config));
}

/** Generate (or reuse) the credential report and read it; AWS builds it asynchronously, so poll politely. */
async function readCredentialReport(scope: AccountScope): Promise<ReportRow[]> {
  const client = iamClient(scope);
  const region = scope.homeRegion;
  const deadline = Date.now() + scope.settings.credentialReportTimeoutSeconds * 1000;
  let wait = 250;
  for (;;) {
    const generated = await scope.call("iam", region, C.iamGenerateCredentialReport, () =>
      client.send(new GenerateCredentialReportCommand({})),
    );
    if (generated.State === "COMPLETE") break;
    if (Date.now() > deadline) throw new Error("the IAM credential report was not ready in time");
    await sleep(wait, undefined, { signal: scope.signal });
    wait = Math.min(wait * 2, 4000);
  }
  const report = await scope.call("iam", region, C.iamGetCredentialReport, () =>
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
async function readAuthorizationDetails(scope: AccountScope): Promise<AuthorizationDetails> {
  const client = iamClient(scope);
  const users: UserDetail[] = [];
  const managedDocuments = new Map<string, Record<string, unknown>>();
  const pages = paginate(
    (Marker) =>
      scope.call("iam", scope.homeRegion, C.iamGetAccountAuthorizationDetails, () =>
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

async function readPasswordPolicy(scope: AccountScope, account: AccountFactsCollector): Promise<void> {
  const client = iamClient(scope);
  await account.facts.read(
    "passwordPolicy",
    () =>
      scope.callOrAbsent(
        "iam",
        scope.homeRegion,
        C.iamGetAccountPasswordPolicy,
        ["NoSuchEntity", "NoSuchEntityException"],
        () => client.send(new GetAccountPasswordPolicyCommand({})),
      ),
    (reply) => {
      const p = reply?.PasswordPolicy;
      account.facts.set(
        "passwordPolicy",
        {
          exists: p !== undefined,
          minimumLength: p?.MinimumPasswordLength ?? 0,
          requireSymbols: p?.RequireSymbols === true,
          requireNumbers: p?.RequireNumbers === true,
          requireUppercase: p?.RequireUppercaseCharacters === true,
          requireLowercase: p?.RequireLowercaseCharacters === true,
          maxAgeDays: p?.ExpirePasswords ? (p.MaxPasswordAge ?? 0) : 0,
          reusePrevention: p?.PasswordReusePrevention ?? 0,
          hardExpiry: p?.HardExpiry === true,
        },
        C.iamGetAccountPasswordPolicy,
      );
    },
  );
}

export async function collectIam(scope: AccountScope, account: AccountFactsCollector): Promise<number> {
  const [report, details] = await Promise.allSettled([
    readCredentialReport(scope),
    readAuthorizationDetails(scope),
    readPasswordPolicy(scope, account),
  ]);
  const now = scope.ctx.now;
  const reportSource = "api: iam:GetCredentialReport";

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
        reportSource,
      );
    } else account.facts.fail("root", new Error("the credential report has no <root_account> row"));
  } else account.facts.fail("root", report.reason);

  if (report.status === "rejected" && details.status === "rejected") {
    // Neither source lists users: every IAM user rule becomes error, naming the missing permission.
    const reason = details.reason instanceof CallError ? details.reason : report.reason;
    scope.reportListFailure("global/iam", reason, ["aws.iam.user"]);
    return 0;
  }

  const rows = new Map(
    report.status === "fulfilled"
      ? report.value.filter((r) => r.user !== ROOT_ROW).map((r) => [r.user, r])
      : [],
  );
  const detailUsers = details.status === "fulfilled" ? details.value.users : [];
  const detailByName = new Map(detailUsers.flatMap((u) => (u.UserName ? [[u.UserName, u] as const] : [])));
  const names = new Set([...detailByName.keys(), ...rows.keys()]);
  let count = 0;
  for (const name of [...names].sort()) {
    const detail = detailByName.get(name);
    const row = rows.get(name);
    const facts = new FactsBuilder();
    const arn = detail?.Arn ?? row?.arn ?? `arn:${scope.partition}:iam::${scope.accountId}:user/${name}`;
    facts.set("userName", name, detail ? C.iamGetAccountAuthorizationDetails : reportSource);
    facts.set("arn", arn, detail ? C.iamGetAccountAuthorizationDetails : reportSource);
    if (detail?.UserId) facts.set("userId", detail.UserId, C.iamGetAccountAuthorizationDetails);
    const created = detail?.CreateDate ?? (row ? reportTime(row.user_creation_time) : undefined);
    if (created)
      facts.set(
        "createdAt",
        created.toISOString(),
        detail ? C.iamGetAccountAuthorizationDetails : reportSource,
      );

    if (row) facts.set("credentials", credentialFacts(row, now), reportSource);
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
        C.iamGetAccountAuthorizationDetails,
      );
    } else if (details.status === "rejected") facts.fail("policies", details.reason);
    else
      facts.fail(
        "policies",
        new Error("user not in the authorization details (created or deleted during the scan)"),
      );

    scope.ctx.emit(
      facts.buildResource(IamUserFactsSchema, {
        uid: arn,
        type: "aws.iam.user",
        name,
        account: scope.accountId,
      }),
    );
    count += 1;
  }
  return count;
}

/** A decoded policy document is a JSON object; anything else is left out (the rule then gives error). */
function asDocument(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
