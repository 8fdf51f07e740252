import { EmuError, type EmuOperation, jsonReply, page, type ServiceHandler } from "./protocol.js";
import type { EmuBackupPlan } from "./state.js";

/** AWS Backup speaks REST-JSON: `GET /backup/plans`, `/backup/plans/{id}`, `/backup/plans/{id}/selections`. */
export const backupHandler: ServiceHandler = {
  protocol: "restJson",
  resolve(req, account, world): EmuOperation {
    const parts = req.path.split("/").filter(Boolean);
    const plans = account.backupPlans.filter((p) => p.region === req.region);
    const findPlan = (id: string): EmuBackupPlan => {
      const plan = plans.find((p) => p.id === id);
      if (!plan) throw new EmuError("ResourceNotFoundException", 404, `No backup plan ${id}`);
      return plan;
    };
    const arn = (p: EmuBackupPlan) => `arn:aws:backup:${p.region}:${account.id}:backup-plan:${p.id}`;
    const maxResults = Number.parseInt(req.query.get("maxResults") ?? "0", 10) || undefined;
    if (req.method === "GET" && parts[0] === "backup" && parts[1] === "plans") {
      if (parts.length === 2) {
        return {
          action: "backup:ListBackupPlans",
          run: () => {
            const { slice, next } = page(plans, req.query.get("nextToken"), maxResults, world);
            return jsonReply(
              {
                BackupPlansList: slice.map((p) => ({
                  BackupPlanId: p.id,
                  BackupPlanArn: arn(p),
                  BackupPlanName: p.name,
                  VersionId: "v1",
                })),
                NextToken: next,
              },
              "application/json",
            );
          },
        };
      }
      const id = decodeURIComponent(parts[2] ?? "");
      if (parts.length === 3) {
        return {
          action: "backup:GetBackupPlan",
          run: () => {
            const p = findPlan(id);
            return jsonReply(
              {
                BackupPlanId: p.id,
                BackupPlanArn: arn(p),
                VersionId: "v1",
                BackupPlan: {
                  BackupPlanName: p.name,
                  Rules: p.rules.map((r) => ({
                    RuleName: r.name,
                    RuleId: `${p.id}-${r.name}`,
                    TargetBackupVaultName: r.vault,
                    ScheduleExpression: r.schedule,
                    Lifecycle:
                      r.deleteAfterDays === undefined && r.coldAfterDays === undefined
                        ? undefined
                        : { DeleteAfterDays: r.deleteAfterDays, MoveToColdStorageAfterDays: r.coldAfterDays },
                    CopyActions: Array.from({ length: r.copies ?? 0 }, (_, i) => ({
                      DestinationBackupVaultArn: `arn:aws:backup:eu-west-1:${account.id}:backup-vault:copy-${i}`,
                    })),
                  })),
                },
              },
              "application/json",
            );
          },
        };
      }
      if (parts.length === 4 && parts[3] === "selections") {
        return {
          action: "backup:ListBackupSelections",
          run: () => {
            const p = findPlan(id);
            const { slice, next } = page(p.selections, req.query.get("nextToken"), maxResults, world);
            return jsonReply(
              {
                BackupSelectionsList: slice.map((name, i) => ({
                  SelectionId: `${p.id}-sel-${i}`,
                  SelectionName: name,
                  BackupPlanId: p.id,
                  IamRoleArn: `arn:aws:iam::${account.id}:role/backup`,
                })),
                NextToken: next,
              },
              "application/json",
            );
          },
        };
      }
    }
    throw new EmuError("UnknownOperationException", 404, `${req.method} ${req.path} is not emulated`);
  },
};
