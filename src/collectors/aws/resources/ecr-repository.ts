import type {
  BatchGetRepositoryScanningConfigurationCommandOutput,
  Repository,
  RepositoryScanningConfiguration,
} from "@aws-sdk/client-ecr";
import { EcrRepositoryFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadEcrSdk } from "../sdk.js";

const CALLS = {
  describeRepositories: apiCall("ecr:DescribeRepositories"),
  getRegistryScanningConfiguration: apiCall("ecr:GetRegistryScanningConfiguration"),
  batchGetRepositoryScanningConfiguration: apiCall("ecr:BatchGetRepositoryScanningConfiguration"),
};

/** BatchGetRepositoryScanningConfiguration takes 1-25 repository names per call. */
const SCANNING_BATCH = 25;
const SCANNING_FACTS = ["scanFrequency", "appliedScanFilters"] as const;

/** A listed repository with the scanning configuration AWS reported for it, or why that could not be read. */
interface ListedRepository {
  repo: Repository;
  scanning: { value: RepositoryScanningConfiguration } | { error: unknown };
}

/** The registry's scan type (one read per region), or the error that kept it from being read. */
type Registry = { scanType: string | undefined } | { error: unknown };

const ecrClient = (ctx: TypeContext<AccountScope>) =>
  ctx.provider.client("ecr", ctx.where, (config) => new (loadEcrSdk().ECRClient)(config));

/**
 * ECR private repositories of a region. Whether images are scanned is what AWS itself reports as applied to
 * each repository (BatchGetRepositoryScanningConfiguration,
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetRepositoryScanningConfiguration.html:
 * the registry's scanning rules matched against the repository, or its own scanOnPush), so the rule needs no
 * copy of ECR's filter matching; it is read for up to 25 listed repositories per call. The registry's scan type
 * (BASIC, or ENHANCED by Inspector) is read once per region and kept on every repository for evidence.
 */
export const ecrRepository = defineResourceType<AccountScope, ListedRepository, Registry>({
  type: "aws.ecr.repository",
  service: "ecr",
  scope: "regional",
  facts: EcrRepositoryFactsSchema,
  calls: Object.values(CALLS),

  async prepare(ctx) {
    const { GetRegistryScanningConfigurationCommand } = loadEcrSdk();
    const client = ecrClient(ctx);
    try {
      const reply = await ctx.call(CALLS.getRegistryScanningConfiguration, () =>
        client.send(new GetRegistryScanningConfigurationCommand({})),
      );
      return { scanType: reply.scanningConfiguration?.scanType };
    } catch (error) {
      return { error };
    }
  },

  async *list(ctx) {
    const { DescribeRepositoriesCommand } = loadEcrSdk();
    const client = ecrClient(ctx);
    const repositories = paginate(
      (nextToken) =>
        ctx.call(CALLS.describeRepositories, () =>
          // maxResults 1-1000 (API_DescribeRepositories.html).
          client.send(new DescribeRepositoriesCommand({ nextToken, maxResults: 1000 })),
        ),
      (page) => page.repositories,
      (page) => page.nextToken,
    );
    let batch: Repository[] = [];
    for await (const repo of repositories) {
      if (!repo.repositoryName) continue;
      batch.push(repo);
      if (batch.length === SCANNING_BATCH) {
        yield* withScanning(ctx, batch);
        batch = [];
      }
    }
    if (batch.length > 0) yield* withScanning(ctx, batch);
  },

  async read(ctx, { repo, scanning }, facts, registry) {
    const name = repo.repositoryName;
    const arn = repo.repositoryArn;
    if (!name || !arn) return undefined;
    facts.set("repositoryName", name, CALLS.describeRepositories);
    facts.set("arn", arn, CALLS.describeRepositories);
    facts.set("scanOnPush", repo.imageScanningConfiguration?.scanOnPush, CALLS.describeRepositories);
    if ("error" in registry) facts.fail("registryScanType", registry.error);
    else facts.set("registryScanType", registry.scanType, CALLS.getRegistryScanningConfiguration);
    const call = CALLS.batchGetRepositoryScanningConfiguration;
    if ("error" in scanning) facts.fail(SCANNING_FACTS, scanning.error);
    else {
      facts.set("scanFrequency", scanning.value.scanFrequency, call);
      facts.set(
        "appliedScanFilters",
        scanning.value.appliedScanFilters?.flatMap((f) => (f.filter ? [f.filter] : [])),
        call,
      );
    }
    const scope = ctx.provider;
    return { uid: arn, name, account: scope.accountId, region: ctx.where };
  },
});

/**
 * One BatchGetRepositoryScanningConfiguration for up to 25 listed repositories. A failed call makes the scanning
 * facts of those repositories unreadable; a repository the reply lists under `failures` (or not at all) gets
 * its own reason.
 */
async function* withScanning(
  ctx: TypeContext<AccountScope>,
  batch: Repository[],
): AsyncGenerator<ListedRepository> {
  const { BatchGetRepositoryScanningConfigurationCommand } = loadEcrSdk();
  const client = ecrClient(ctx);
  const names = batch.flatMap((r) => (r.repositoryName ? [r.repositoryName] : []));
  let reply: BatchGetRepositoryScanningConfigurationCommandOutput | undefined;
  let error: unknown;
  try {
    reply = await ctx.call(CALLS.batchGetRepositoryScanningConfiguration, () =>
      client.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: names })),
    );
  } catch (err) {
    error = err;
  }
  for (const repo of batch) {
    if (!reply) {
      yield { repo, scanning: { error } };
      continue;
    }
    const name = repo.repositoryName;
    const config = reply.scanningConfigurations?.find((c) => c.repositoryName === name);
    if (config) {
      yield { repo, scanning: { value: config } };
      continue;
    }
    const failure = reply.failures?.find((f) => f.repositoryName === name);
    const why = failure
      ? `ecr:BatchGetRepositoryScanningConfiguration failed for this repository: ${[failure.failureCode, failure.failureReason].filter(Boolean).join(" ")}`
      : "ecr:BatchGetRepositoryScanningConfiguration did not report this repository";
    yield { repo, scanning: { error: new Error(why) } };
  }
}
