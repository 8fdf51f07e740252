import { paginate } from "../kit/bounded.js";
import { CallError } from "../kit/errors.js";
import {
  AccountScope,
  type AwsEnvironment,
  type CredentialSource,
  type StaticCredentials,
} from "./context.js";
import { AWS_CALLS as C } from "./permissions.js";
import { loadCredentialProviders, loadOrganizationsSdk, loadStsSdk } from "./sdk.js";

const { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } = loadStsSdk();
type STSClient = InstanceType<typeof STSClient>;

/** An account to scan and how to reach it. */
export interface AccountTarget {
  accountId: string;
  partition: string;
  credentials: CredentialSource;
  /** How the credentials were obtained, for errors: `caller`, or the role ARN. */
  via: string;
}

const SESSION_NAME = "assay-scan";
/** Refresh assumed-role credentials this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export function baseCredentials(env: AwsEnvironment): CredentialSource {
  const s = env.settings;
  if (s.credentials) return { ...s.credentials };
  const chain = loadCredentialProviders().fromNodeProviderChain(s.profile ? { profile: s.profile } : {});
  return async () => {
    const c = await chain();
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
      ...(c.expiration ? { expiration: c.expiration } : {}),
    };
  };
}

function stsClient(env: AwsEnvironment, credentials: CredentialSource): STSClient {
  return new STSClient(env.clientConfig(env.settings.homeRegion, credentials));
}

/**
 * Credentials of a role, assumed with the caller's credentials and cached until shortly before they expire, so
 * the many clients of one account share a single AssumeRole.
 */
export function assumeRoleCredentials(
  env: AwsEnvironment,
  base: CredentialSource,
  roleArn: string,
): CredentialSource {
  const sts = stsClient(env, base);
  const assume = async (): Promise<StaticCredentials> => {
    const reply = await env.call(C.stsAssumeRole, () =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: SESSION_NAME,
          DurationSeconds: 3600,
          ...(env.settings.externalId ? { ExternalId: env.settings.externalId } : {}),
        }),
      ),
    );
    const c = reply.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`sts:AssumeRole on ${roleArn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  };
  let cached: Promise<StaticCredentials> | undefined;
  return async () => {
    if (cached) {
      try {
        const c = await cached;
        if (!c.expiration || c.expiration.getTime() - REFRESH_MARGIN_MS > Date.now()) return c;
      } catch {
        // A failed attempt is not kept: this caller tries again.
      }
    }
    cached = assume();
    return cached;
  };
}

/**
 * Who the credentials belong to. No IAM policy can deny sts:GetCallerIdentity
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html), so a refusal here means
 * the credentials themselves were rejected: a configuration error, never "missing permission".
 */
export async function callerIdentity(env: AwsEnvironment, credentials: CredentialSource) {
  const sts = stsClient(env, credentials);
  try {
    const reply = await env.call(C.stsGetCallerIdentity, () => sts.send(new GetCallerIdentityCommand({})));
    if (!reply.Account) throw new Error("sts:GetCallerIdentity returned no account");
    const partition = /^arn:([^:]+):/.exec(reply.Arn ?? "")?.[1] ?? "aws";
    return { accountId: reply.Account, arn: reply.Arn ?? "", partition };
  } catch (err) {
    if (err instanceof CallError && err.kind === "denied" && err.api === C.stsGetCallerIdentity.api) {
      throw new CallError(
        { kind: "invalidConfiguration", code: err.wireCode },
        C.stsGetCallerIdentity,
        err.debug,
        err.attempts,
        err,
      );
    }
    throw err;
  } finally {
    sts.destroy();
  }
}

function roleArnParts(roleArn: string): { partition: string; accountId: string } {
  const m = /^arn:([^:]+):iam::(\d{12}):role\//.exec(roleArn);
  return { partition: m?.[1] ?? "aws", accountId: m?.[2] ?? "" };
}

/**
 * The accounts of this scan: the configured role ARNs, or every active account of the Organization (the
 * management account with the caller's own credentials, members through `organizationRoleName`), or the
 * caller's own account.
 */
export async function resolveAccounts(env: AwsEnvironment, base: CredentialSource): Promise<AccountTarget[]> {
  const s = env.settings;
  if (s.roleArns) {
    return s.roleArns.map((roleArn) => ({
      ...roleArnParts(roleArn),
      credentials: assumeRoleCredentials(env, base, roleArn),
      via: roleArn,
    }));
  }
  const caller = await callerIdentity(env, base);
  if (!s.organization) return [{ ...caller, credentials: base, via: "caller" }];

  const { ListAccountsCommand, OrganizationsClient } = loadOrganizationsSdk();
  const orgs = new OrganizationsClient(env.clientConfig(s.homeRegion, base));
  try {
    const accounts = paginate(
      (NextToken) => env.call(C.orgListAccounts, () => orgs.send(new ListAccountsCommand({ NextToken }))),
      (page) => page.Accounts,
      (page) => page.NextToken,
    );
    const targets: AccountTarget[] = [];
    for await (const a of accounts) {
      if (!a.Id || a.Status !== "ACTIVE") continue;
      if (a.Id === caller.accountId) {
        targets.push({ ...caller, credentials: base, via: "caller" });
        continue;
      }
      const roleArn = `arn:${caller.partition}:iam::${a.Id}:role/${s.organizationRoleName}`;
      targets.push({
        accountId: a.Id,
        partition: caller.partition,
        credentials: assumeRoleCredentials(env, base, roleArn),
        via: roleArn,
      });
    }
    return targets;
  } finally {
    orgs.destroy();
  }
}

export function scopeFor(env: AwsEnvironment, target: AccountTarget): AccountScope {
  return new AccountScope(env, target.accountId, target.partition, target.credentials);
}
