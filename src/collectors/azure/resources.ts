import type { AnyResourceType } from "../kit/resource-type.js";
import { recoveryServicesVault, virtualMachine } from "./backup.js";
import { managedDisk } from "./disks.js";
import { keyVault, keyVaultKey } from "./keyvault.js";
import { networkSecurityGroup } from "./network.js";
import type { SubscriptionScope } from "./scope.js";
import { sqlDatabase, sqlServer } from "./sql.js";
import { storageAccount } from "./storage.js";

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
];
