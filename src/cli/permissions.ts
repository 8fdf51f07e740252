import type { Command } from "commander";
import { buildAzureRoleDefinition } from "../collectors/azure/permissions.js";
import { buildGcpCustomRole } from "../collectors/gcp/permissions.js";
import { AssayError } from "../core/errors.js";

/**
 * `assay permissions <provider>`: print the least-privilege grant for a cloud collector, built from the
 * read-only permissions the collector declares (the same list its calls are made from), so the policy and the
 * code cannot drift apart.
 *
 * A provider plugs in with one entry in `permissionDocuments`, turning the declared permissions into the
 * document its platform expects (an IAM policy, an Azure custom role, a GCP custom role). Providers without an
 * entry get a plain JSON list.
 */
export interface PermissionsOptions {
  /** Print one permission a line instead of a policy document. */
  list?: boolean;
  /** AWS: also allow assuming this role name in every account (for `roleArns` / `organization` scans). */
  assumeRole?: string;
}

type DocumentBuilder = (permissions: readonly string[], options: PermissionsOptions) => unknown;

/** The IAM policy a user attaches to the scanning role (and, with --assume-role, to the caller). */
export function awsIamPolicy(permissions: readonly string[], options: PermissionsOptions = {}): unknown {
  const statements: unknown[] = [
    { Sid: "AssayReadOnlyScan", Effect: "Allow", Action: [...permissions].sort(), Resource: "*" },
  ];
  if (options.assumeRole) {
    statements.push({
      Sid: "AssayAssumeScanRole",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: `arn:aws:iam::*:role/${options.assumeRole}`,
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

export const permissionDocuments: Record<string, DocumentBuilder> = {
  aws: awsIamPolicy,
  azure: (permissions) => buildAzureRoleDefinition(permissions),
  gcp: (permissions) => buildGcpCustomRole(permissions),
};

/** Pure: what `assay permissions` prints for a provider and its declared permissions. */
export function renderPermissions(
  provider: string,
  permissions: readonly string[],
  options: PermissionsOptions = {},
): string {
  const unique = [...new Set(permissions)].sort();
  if (options.list) return `${unique.join("\n")}\n`;
  const build = permissionDocuments[provider];
  const document = build ? build(unique, options) : { provider, permissions: unique };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Load the provider's collector (lazily: only this provider's SDK modules, if any) and render its grant. */
export async function permissionsFor(provider: string, options: PermissionsOptions = {}): Promise<string> {
  const { collectorLoaders } = await import("../collectors/registry.js");
  const load = collectorLoaders[provider];
  const cloud = Object.keys(collectorLoaders).filter((name) => name !== "device");
  if (!load) {
    throw new AssayError(
      "PERMISSIONS_UNKNOWN_PROVIDER",
      `no collector for provider "${provider}"; known: ${cloud.join(", ")}`,
    );
  }
  const collector = await load();
  if (collector.permissions.length === 0) {
    throw new AssayError(
      "PERMISSIONS_NONE_DECLARED",
      `the ${provider} collector declares no cloud permissions (it reads the local machine)`,
    );
  }
  return renderPermissions(collector.provider, collector.permissions, options);
}

export function registerPermissionsCommand(program: Command): void {
  program
    .command("permissions")
    .description(
      "Print the least-privilege policy a cloud collector needs (e.g. the IAM policy JSON for aws)",
    )
    .argument("<provider>", "aws, azure or gcp")
    .option("--list", "print one permission a line")
    .option("--assume-role <name>", "aws: also allow sts:AssumeRole on this role name in every account")
    .action(async (provider: string, options: PermissionsOptions) => {
      process.stdout.write(await permissionsFor(provider, options));
    });
}
