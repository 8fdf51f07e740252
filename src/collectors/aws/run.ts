import { forEachBounded } from "../kit/bounded.js";
import { collectType, errorRecord } from "../kit/runner.js";
import type { CollectContext } from "../types.js";
import { AccountFactsCollector, NOT_SELECTED } from "./account.js";
import { type AccountScope, AwsEnvironment } from "./context.js";
import { AWS_CALLS as C } from "./permissions.js";
import { AWS_RESOURCE_TYPES } from "./produces.js";
import { AWS_RESOURCE_DECLARATIONS } from "./resources/index.js";
import { type AccountTarget, baseCredentials, callerIdentity, resolveAccounts, scopeFor } from "./scope.js";
import { loadEc2Sdk } from "./sdk.js";
import { AWS_SERVICES, type AwsService, parseAwsSettings } from "./settings.js";

/** Resource types read per region: a region list that cannot be read affects exactly these. */
const REGIONAL_TYPES = AWS_RESOURCE_DECLARATIONS.filter((d) => d.scope === "regional").map((d) => d.type);

/** Entry point of the AWS collector: validate settings, find accounts, scan each one with bounded concurrency. */
export async function collectAws(ctx: CollectContext): Promise<void> {
  const settings = parseAwsSettings(ctx.settings);
  ctx.signal.throwIfAborted();
  const env = new AwsEnvironment(settings, ctx);
  try {
    const base = baseCredentials(env);
    let targets: AccountTarget[];
    try {
      targets = await resolveAccounts(env, base);
    } catch (err) {
      reportWholeScope(ctx, "accounts", err, [...AWS_RESOURCE_TYPES]);
      return;
    }
    await forEachBounded(targets, env.settings.accountConcurrency, async (target) => {
      if (!ctx.signal.aborted) await scanAccount(env, target);
    });
    // A cancelled scan is not a result: whatever was collected is incomplete.
    ctx.signal.throwIfAborted();
  } finally {
    env.close();
  }
}

function reportWholeScope(ctx: CollectContext, scope: string, err: unknown, resourceTypes: string[]): void {
  ctx.reportError(errorRecord("aws", scope, err, resourceTypes));
}

async function scanAccount(env: AwsEnvironment, target: AccountTarget): Promise<void> {
  const ctx = env.ctx;
  const label = target.accountId;
  ctx.progress({ collector: "aws", scope: label, phase: "start" });
  // Prove the credentials work (and, for a role, that it can be assumed) before fanning out.
  try {
    const who = await callerIdentity(env, target.credentials);
    if (who.accountId !== target.accountId) target = { ...target, accountId: who.accountId };
  } catch (err) {
    reportWholeScope(ctx, `${label} (${target.via})`, err, [...AWS_RESOURCE_TYPES]);
    ctx.progress({ collector: "aws", scope: label, phase: "error" });
    return;
  }
  const scope = scopeFor(env, target);
  const selected = new Set<AwsService>(env.settings.services ?? AWS_SERVICES);
  scope.regions = await resolveRegions(scope);
  const account = new AccountFactsCollector(scope.accountId, scope.partition);
  account.cloudtrailScanned = selected.has("cloudtrail");
  account.backupScanned = selected.has("backup");
  scope.account = account;
  if (!selected.has("iam")) account.facts.fail(["root", "passwordPolicy"], NOT_SELECTED("iam"));
  if (!selected.has("s3")) account.facts.fail("s3PublicAccessBlock", NOT_SELECTED("s3"));

  const tasks: Promise<void>[] = [];
  const run = (service: AwsService, region: string, work: () => Promise<number>) => {
    if (!selected.has(service)) return;
    const where = `${scope.accountId}/${region}/${service}`;
    tasks.push(
      (async () => {
        ctx.progress({ collector: "aws", scope: where, phase: "start" });
        try {
          const resources = await work();
          ctx.progress({ collector: "aws", scope: where, phase: "done", resources });
        } catch (err) {
          // Unexpected failures (bugs, aborts) still must not pass silently: the service's rules become error.
          reportWholeScope(ctx, where, err, serviceTypes(service));
          ctx.progress({ collector: "aws", scope: where, phase: "error" });
        }
      })(),
    );
  };
  const kit = scope.binding();
  for (const decl of AWS_RESOURCE_DECLARATIONS) {
    const service = decl.service as AwsService;
    const places = decl.scope === "regional" ? scope.regions : ["global"];
    for (const where of places) {
      run(service, where, () => collectType(kit, decl, where, `${scope.accountId}/${where}/${service}`));
    }
  }
  await Promise.all(tasks);
  try {
    ctx.emit(account.build());
  } catch (err) {
    reportWholeScope(ctx, `${scope.accountId}/account`, err, ["aws.account"]);
  }
  ctx.progress({ collector: "aws", scope: label, phase: "done" });
}

/** The resource types a service's failure affects: its declarations. */
function serviceTypes(service: AwsService): string[] {
  return AWS_RESOURCE_DECLARATIONS.filter((d) => d.service === service).map((d) => d.type);
}

/**
 * The configured regions, or every region enabled for the account. When the list cannot be read, the home
 * region is still scanned and the error marks every regional rule `error`, so missing regions are never silent.
 */
async function resolveRegions(scope: AccountScope): Promise<string[]> {
  if (scope.settings.regions) return scope.settings.regions;
  const { DescribeRegionsCommand, EC2Client } = loadEc2Sdk();
  const client = scope.client("ec2", scope.homeRegion, (config) => new EC2Client(config));
  try {
    const reply = await scope.call("ec2", scope.homeRegion, C.ec2DescribeRegions, () =>
      client.send(new DescribeRegionsCommand({ AllRegions: false })),
    );
    const regions = (reply.Regions ?? [])
      .filter((r) => r.OptInStatus !== "not-opted-in")
      .flatMap((r) => (r.RegionName ? [r.RegionName] : []))
      .sort();
    return regions.length > 0 ? regions : [scope.homeRegion];
  } catch (err) {
    scope.reportListFailure("regions", err, REGIONAL_TYPES);
    return [scope.homeRegion];
  }
}
