import type { AnyResourceType } from "../kit/resource-type.js";
import { recoveryServicesVault, virtualMachine } from "./backup.js";
import { managedDisk } from "./disks.js";
import { entraUser } from "./entra.js";
import { keyVault, keyVaultKey } from "./keyvault.js";
import { logAnalyticsWorkspace } from "./loganalytics.js";
import { networkSecurityGroup, virtualNetworkSubnet } from "./network.js";
import type { SubscriptionScope } from "./scope.js";
import { sqlDatabase, sqlServer } from "./sql.js";
import { storageAccount } from "./storage.js";
import { subscriptionFacts } from "./subscription-facts.js";

/**
 * The Azure resource types declared on the collector kit, one line each. Importing this loads no SDK. Each
 * runs once per scanned subscription over the subscription's one resource list.
 */
export const AZURE_RESOURCE_DECLARATIONS: readonly AnyResourceType<SubscriptionScope>[] = [
  storageAccount,
  keyVault,
  keyVaultKey,
  managedDisk,
  virtualMachine,
  recoveryServicesVault,
  networkSecurityGroup,
  sqlServer,
  sqlDatabase,
  virtualNetworkSubnet,
  logAnalyticsWorkspace,
  subscriptionFacts,
];

/** Types of the tenant rather than a subscription, read once per scan when configured (Microsoft Graph). */
export const AZURE_TENANT_DECLARATIONS = [entraUser] as const;
