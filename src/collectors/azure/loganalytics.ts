import { z } from "zod";
import { AzureLogAnalyticsWorkspaceFactsSchema } from "../../core/facts/azure.js";
import { AZURE_CALLS } from "./calls.js";
import { present } from "./present.js";
import { armResourceType } from "./scope.js";

export const LOG_ANALYTICS_API_VERSION = "2023-09-01";

const WorkspacePropertiesSchema = z.object({
  retentionInDays: z.number().int().nullish(),
  sku: z.object({ name: z.string().nullish() }).nullish(),
  workspaceCapping: z.object({ dailyQuotaGb: z.number().nullish() }).nullish(),
});

/**
 * What `workspaces/read` (OperationalInsights 2023-09-01, Workspace) returned. Whether the retention is long
 * enough is the rule's judgement against the organisation profile (AZ-LOG-001); an omitted retention stays
 * absent, so the rule gives `error`.
 */
export function logAnalyticsWorkspaceFacts(
  properties: unknown,
): z.input<typeof AzureLogAnalyticsWorkspaceFactsSchema> {
  const p = WorkspacePropertiesSchema.parse(properties ?? {});
  return {
    ...present("retentionInDays", p.retentionInDays),
    ...present("sku", p.sku?.name),
    ...present("dailyQuotaGb", p.workspaceCapping?.dailyQuotaGb),
  };
}

export const logAnalyticsWorkspace = armResourceType({
  type: "azure.loganalytics.workspace",
  service: "monitor",
  armType: "microsoft.operationalinsights/workspaces",
  apiVersion: LOG_ANALYTICS_API_VERSION,
  facts: AzureLogAnalyticsWorkspaceFactsSchema,
  read: AZURE_CALLS.readLogAnalyticsWorkspace,
  toFacts: logAnalyticsWorkspaceFacts,
});
