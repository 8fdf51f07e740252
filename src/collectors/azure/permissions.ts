import { permissionsOf } from "../kit/calls.js";
import { AZURE_CALLS, GRAPH_PERMISSIONS } from "./calls.js";
import { AZURE_RESOURCE_DECLARATIONS } from "./resources.js";

/**
 * The read-only Azure operations the collector calls: the subscription list and every declared resource
 * type's calls, from the same table the calls go through. `assay permissions azure` prints them as a custom
 * role definition; assigning it (or the built-in Reader role, which is a superset) is enough.
 */
export const AZURE_PERMISSIONS: readonly string[] = permissionsOf(
  [
    AZURE_CALLS.listSubscriptions,
    AZURE_CALLS.listResources,
    ...AZURE_RESOURCE_DECLARATIONS.flatMap((decl) => decl.calls),
  ],
  // Microsoft Graph application permissions: granted to the app with admin consent, not in an Azure role.
  GRAPH_PERMISSIONS,
);

export interface AzureRoleDefinition {
  Name: string;
  IsCustom: true;
  Description: string;
  Actions: string[];
  NotActions: string[];
  DataActions: string[];
  NotDataActions: string[];
  AssignableScopes: string[];
}

/** A custom role definition (`az role definition create --role-definition @assay-reader.json`). */
export function buildAzureRoleDefinition(
  actions: readonly string[] = AZURE_PERMISSIONS,
  subscriptionIds: readonly string[] = [],
): AzureRoleDefinition {
  return {
    Name: "Assay Reader",
    IsCustom: true,
    Description:
      "Read-only access Assay needs to check storage, Key Vault, disks, backup, networks, SQL, Log Analytics, " +
      "Defender for Cloud plans and Owner role assignments. Entra ID users (azure.entra) also need the " +
      `Microsoft Graph application permission ${GRAPH_PERMISSIONS.join(", ")} with admin consent (not an Azure role).`,
    Actions: [...actions].sort(),
    NotActions: [],
    DataActions: [],
    NotDataActions: [],
    AssignableScopes: subscriptionIds.length
      ? subscriptionIds.map((id) => `/subscriptions/${id}`)
      : ["/subscriptions/<subscription-id>"],
  };
}
