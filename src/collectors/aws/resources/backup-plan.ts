import type { BackupPlansListMember } from "@aws-sdk/client-backup";
import { BackupPlanFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadBackupSdk } from "../sdk.js";

const CALLS = {
  listBackupPlans: apiCall("backup:ListBackupPlans"),
  getBackupPlan: apiCall("backup:GetBackupPlan"),
  listBackupSelections: apiCall("backup:ListBackupSelections"),
};

const backupClient = (ctx: TypeContext<AccountScope>) =>
  ctx.provider.client("backup", ctx.where, (config) => new (loadBackupSdk().BackupClient)(config));

/**
 * AWS Backup plans of a region: their rules (schedule, retention, copies) and how many selections use them
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetBackupPlan.html). Each plan is also listed
 * on the account resource with its selection count (account.ts).
 */
export const backupPlan = defineResourceType<AccountScope, BackupPlansListMember>({
  type: "aws.backup.plan",
  service: "backup",
  scope: "regional",
  facts: BackupPlanFactsSchema,
  calls: Object.values(CALLS),

  async *list(ctx) {
    const { ListBackupPlansCommand } = loadBackupSdk();
    const client = backupClient(ctx);
    try {
      yield* paginate(
        (NextToken) =>
          ctx.call(CALLS.listBackupPlans, () =>
            client.send(new ListBackupPlansCommand({ NextToken, MaxResults: 1000 })),
          ),
        (page) => page.BackupPlansList,
        (page) => page.NextToken,
      );
    } catch (err) {
      ctx.provider.accountFacts.backupRegionFailed(err);
      throw err;
    }
  },

  async read(ctx, plan, facts) {
    const { GetBackupPlanCommand, ListBackupSelectionsCommand } = loadBackupSdk();
    const client = backupClient(ctx);
    const id = plan.BackupPlanId;
    if (!id) return undefined;
    facts.set("planId", id, CALLS.listBackupPlans);
    facts.set("name", plan.BackupPlanName ?? id, CALLS.listBackupPlans);
    let selections: number | undefined;
    await Promise.all([
      facts.read(
        "rules",
        () =>
          ctx.call(CALLS.getBackupPlan, () => client.send(new GetBackupPlanCommand({ BackupPlanId: id }))),
        (reply) => {
          const rules = (reply.BackupPlan?.Rules ?? []).map((r) => ({
            name: r.RuleName ?? "",
            ...(r.ScheduleExpression ? { schedule: r.ScheduleExpression } : {}),
            targetVault: r.TargetBackupVaultName ?? "",
            ...(r.Lifecycle?.DeleteAfterDays !== undefined
              ? { deleteAfterDays: r.Lifecycle.DeleteAfterDays }
              : {}),
            ...(r.Lifecycle?.MoveToColdStorageAfterDays !== undefined
              ? { moveToColdStorageAfterDays: r.Lifecycle.MoveToColdStorageAfterDays }
              : {}),
            // REST-JSON replies omit empty lists: no CopyActions means no copies.
            copiesToOtherVaults: r.CopyActions?.length ?? 0,
          }));
          // As returned; the rules judge retention (AWS-BAK-002 states what no DeleteAfterDays means).
          facts.set("rules", rules, CALLS.getBackupPlan);
        },
      ),
      facts.read(
        "selections",
        async () => {
          let n = 0;
          const all = paginate(
            (NextToken) =>
              ctx.call(CALLS.listBackupSelections, () =>
                client.send(
                  new ListBackupSelectionsCommand({ BackupPlanId: id, NextToken, MaxResults: 1000 }),
                ),
              ),
            (page) => page.BackupSelectionsList,
            (page) => page.NextToken,
          );
          for await (const _ of all) n += 1;
          return n;
        },
        (n) => {
          selections = n;
          facts.set("selections", n, CALLS.listBackupSelections);
        },
      ),
    ]);
    const account = ctx.provider.accountFacts;
    if (selections === undefined) account.backupRegionFailed(new Error(facts.unreadable.selections));
    else account.addBackupPlan({ planId: id, region: ctx.where, selections });
    const scope = ctx.provider;
    return {
      uid:
        plan.BackupPlanArn ??
        `arn:${scope.partition}:backup:${ctx.where}:${scope.accountId}:backup-plan:${id}`,
      name: plan.BackupPlanName ?? id,
      account: scope.accountId,
      region: ctx.where,
    };
  },
});
