import type { AnyResourceType } from "../../kit/resource-type.js";
import type { GcpHandle } from "../handle.js";
import { storageBucket } from "./bucket.js";
import { computeFirewall } from "./firewall.js";
import { kmsCryptoKey } from "./kms-key.js";
import { computeNetwork } from "./network.js";
import { gcpProject } from "./project.js";
import { serviceAccountKey } from "./service-account-key.js";
import { sqlInstance } from "./sql-instance.js";
import { workspaceUser } from "./workspace-user.js";

/** Every GCP resource type, declared once; adding one is a file in this folder and a line here. */
export const GCP_RESOURCE_DECLARATIONS: readonly AnyResourceType<GcpHandle>[] = [
  storageBucket,
  kmsCryptoKey,
  sqlInstance,
  computeFirewall,
  workspaceUser,
  computeNetwork,
  gcpProject,
  serviceAccountKey,
];

/** The types collected in every project in scope (Workspace users belong to the customer instead). */
export const PROJECT_DECLARATIONS = GCP_RESOURCE_DECLARATIONS.filter((d) => d.scope === "perProject");
