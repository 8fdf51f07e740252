import { Inspector2AccountFactsSchema } from "../../../core/facts/aws.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadInspector2Sdk } from "../sdk.js";

const BATCH_GET_ACCOUNT_STATUS = apiCall("inspector2:BatchGetAccountStatus");

/** The Inspector v2 facts one BatchGetAccountStatus reply gives. */
const STATUS_FACTS = [
  "status",
  "ec2Status",
  "ecrStatus",
  "lambdaStatus",
  "lambdaCodeStatus",
  "errorCode",
] as const;

/**
 * Amazon Inspector v2 in one account and region: one resource per scanned region, from BatchGetAccountStatus
 * for the account itself (https://docs.aws.amazon.com/inspector/v2/APIReference/API_BatchGetAccountStatus.html).
 * Inspector is regional, so a region where it was never activated answers DISABLED, which the rules fail. A
 * denied or failed call leaves every status unreadable (the rules give `error`, never `pass`); an account listed
 * under `failedAccounts` has its error code as a fact and no status.
 */
export const inspector2Account = defineResourceType<AccountScope, string>({
  type: "aws.inspector2.account",
  service: "inspector2",
  scope: "regional",
  facts: Inspector2AccountFactsSchema,
  calls: [BATCH_GET_ACCOUNT_STATUS],

  async *list(ctx) {
    yield ctx.where;
  },

  async read(ctx, region, facts) {
    const { BatchGetAccountStatusCommand, Inspector2Client } = loadInspector2Sdk();
    const scope = ctx.provider;
    const client = scope.client("inspector2", region, (config) => new Inspector2Client(config));
    facts.set("region", region, "settings: scanned region");
    await facts.read(
      STATUS_FACTS,
      () =>
        ctx.call(BATCH_GET_ACCOUNT_STATUS, () =>
          client.send(new BatchGetAccountStatusCommand({ accountIds: [scope.accountId] })),
        ),
      (reply) => {
        const set = (key: string, value: unknown) => facts.set(key, value, BATCH_GET_ACCOUNT_STATUS);
        const mine = reply.accounts?.find((a) => a.accountId === scope.accountId);
        const failed = reply.failedAccounts?.find((a) => a.accountId === scope.accountId);
        if (!mine) {
          const why = failed
            ? `inspector2:BatchGetAccountStatus could not report this account: ${failed.errorCode ?? "unknown error"}`
            : "inspector2:BatchGetAccountStatus did not report this account";
          facts.fail(
            STATUS_FACTS.filter((k) => k !== "errorCode" || !failed?.errorCode),
            new Error(why),
          );
          if (failed?.errorCode) set("errorCode", failed.errorCode);
          return;
        }
        set("status", mine.state?.status);
        set("errorCode", mine.state?.errorCode);
        set("ec2Status", mine.resourceState?.ec2?.status);
        set("ecrStatus", mine.resourceState?.ecr?.status);
        set("lambdaStatus", mine.resourceState?.lambda?.status);
        set("lambdaCodeStatus", mine.resourceState?.lambdaCode?.status);
      },
    );
    return {
      uid: `arn:${scope.partition}:inspector2:${region}:${scope.accountId}:account-status`,
      name: `Inspector ${region}`,
      account: scope.accountId,
      region,
    };
  },
});
