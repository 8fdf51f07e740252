import type { Repository } from "@aws-sdk/client-ecr";
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

/** The registry's scan type (one read per region), or the error that kept it from being read. */
type Registry = { scanType: string | undefined } | { error: unknown };

const ecrClient = (ctx: TypeContext<AccountScope>) =>
  ctx.provider.client("ecr", ctx.where, (config) => new (loadEcrSdk().ECRClient)(config));

/**
 * ECR private repositories of a region. Whether images are scanned is what AWS itself reports as applied to
 * each repository (BatchGetRepositoryScanningConfiguration,
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetRepositoryScanningConfiguration.html:
 * the registry's scanning rules matched against the repository, or its own scanOnPush), so the rule needs no
 * copy of ECR's filter matching. The registry's scan type (BASIC, or ENHANCED by Inspector) is read once per
 * region and kept on every repository for evidence.
 */
export const ecrRepository = defineResourceType<AccountScope, Repository, Registry>({
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

  list(ctx) {
    const { DescribeRepositoriesCommand } = loadEcrSdk();
    const client = ecrClient(ctx);
    return paginate(
      (nextToken) =>
        ctx.call(CALLS.describeRepositories, () =>
          // maxResults 1-1000 (API_DescribeRepositories.html).
          client.send(new DescribeRepositoriesCommand({ nextToken, maxResults: 1000 })),
        ),
      (page) => page.repositories,
      (page) => page.nextToken,
    );
  },

  async read(ctx, repo, facts, registry) {
    const { BatchGetRepositoryScanningConfigurationCommand } = loadEcrSdk();
    const name = repo.repositoryName;
    const arn = repo.repositoryArn;
    if (!name || !arn) return undefined;
    facts.set("repositoryName", name, CALLS.describeRepositories);
    facts.set("arn", arn, CALLS.describeRepositories);
    facts.set("scanOnPush", repo.imageScanningConfiguration?.scanOnPush, CALLS.describeRepositories);
    if ("error" in registry) facts.fail("registryScanType", registry.error);
    else facts.set("registryScanType", registry.scanType, CALLS.getRegistryScanningConfiguration);
    const client = ecrClient(ctx);
    const call = CALLS.batchGetRepositoryScanningConfiguration;
    await facts.read(
      ["scanFrequency", "appliedScanFilters"],
      () =>
        ctx.call(call, () =>
          client.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: [name] })),
        ),
      (reply) => {
        const config = reply.scanningConfigurations?.find((c) => c.repositoryName === name);
        if (!config) {
          const failure = reply.failures?.find((f) => f.repositoryName === name);
          const why = failure
            ? `ecr:BatchGetRepositoryScanningConfiguration failed for this repository: ${failure.failureCode ?? ""} ${failure.failureReason ?? ""}`.trim()
            : "ecr:BatchGetRepositoryScanningConfiguration did not report this repository";
          facts.fail(["scanFrequency", "appliedScanFilters"], new Error(why));
          return;
        }
        facts.set("scanFrequency", config.scanFrequency, call);
        facts.set(
          "appliedScanFilters",
          config.appliedScanFilters?.flatMap((f) => (f.filter ? [f.filter] : [])),
          call,
        );
      },
    );
    const scope = ctx.provider;
    return { uid: arn, name, account: scope.accountId, region: ctx.where };
  },
});
