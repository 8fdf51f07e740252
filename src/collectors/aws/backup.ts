import type { BackupPlansListMember } from "@aws-sdk/client-backup";
import { BackupPlanFactsSchema } from "../../core/facts/aws.js";
import { forEachBounded, paginate } from "../kit/bounded.js";
import type { AccountFactsCollector } from "./account.js";
import { type AccountScope, FactsBuilder } from "./context.js";
import { AWS_CALLS as C } from "./permissions.js";
import { loadBackupSdk } from "./sdk.js";

const { BackupClient, GetBackupPlanCommand, ListBackupPlansCommand, ListBackupSelectionsCommand } =
  loadBackupSdk();

/** AWS Backup plans of a region: their rules (schedule, retention, copies) and how many selections use them. */
export async function collectBackup(
  scope: AccountScope,
  region: string,
  account: AccountFactsCollector,
): Promise<number> {
  const client = scope.client("backup", region, (config) => new BackupClient(config));
  const plans = paginate(
    (NextToken) =>
      scope.call("backup", region, C.backupListBackupPlans, () =>
        client.send(new ListBackupPlansCommand({ NextToken, MaxResults: 1000 })),
      ),
    (page) => page.BackupPlansList,
    (page) => page.NextToken,
  );
  let count = 0;
  try {
    await forEachBounded(plans, scope.settings.concurrency, async (plan: BackupPlansListMember) => {
      const id = plan.BackupPlanId;
      if (!id) return;
      const facts = new FactsBuilder();
      facts.set("planId", id, C.backupListBackupPlans);
      facts.set("name", plan.BackupPlanName ?? id, C.backupListBackupPlans);
      let selections: number | undefined;
      await Promise.all([
        facts.read(
          ["rules", "minRetentionDays", "scheduledRules"],
          () =>
            scope.call("backup", region, C.backupGetBackupPlan, () =>
              client.send(new GetBackupPlanCommand({ BackupPlanId: id })),
            ),
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
              copiesToOtherVaults: r.CopyActions?.length ?? 0,
            }));
            facts.set("rules", rules, C.backupGetBackupPlan);
            facts.set(
              "scheduledRules",
              rules.filter((r) => r.schedule !== undefined).length,
              C.backupGetBackupPlan,
            );
            // A rule without DeleteAfterDays keeps recovery points forever, so it never lowers the minimum.
            const retentions = rules.flatMap((r) =>
              r.deleteAfterDays !== undefined ? [r.deleteAfterDays] : [],
            );
            if (retentions.length > 0)
              facts.set("minRetentionDays", Math.min(...retentions), C.backupGetBackupPlan);
          },
        ),
        facts.read(
          "selections",
          async () => {
            let n = 0;
            const all = paginate(
              (NextToken) =>
                scope.call("backup", region, C.backupListBackupSelections, () =>
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
            facts.set("selections", n, C.backupListBackupSelections);
          },
        ),
      ]);
      account.addBackupPlan(region, (selections ?? 0) > 0);
      if (selections === undefined) account.backupRegionFailed(new Error(facts.unreadable.selections));
      scope.ctx.emit(
        facts.buildResource(BackupPlanFactsSchema, {
          uid:
            plan.BackupPlanArn ??
            `arn:${scope.partition}:backup:${region}:${scope.accountId}:backup-plan:${id}`,
          type: "aws.backup.plan",
          name: plan.BackupPlanName ?? id,
          account: scope.accountId,
          region,
        }),
      );
      count += 1;
    });
  } catch (err) {
    account.backupRegionFailed(err);
    scope.reportListFailure(`${region}/backup`, err, ["aws.backup.plan"]);
  }
  return count;
}
