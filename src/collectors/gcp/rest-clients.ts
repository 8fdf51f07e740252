import type { GlobalOptions } from "googleapis-common";

/**
 * Service Usage v1 and IAM v1 have no per-API `@googleapis/*` package on npm (only the full `googleapis`,
 * 230 MB installed). Like `kms-client.ts`, these calls go through googleapis-common's `createAPIRequest`, the
 * request path the generated clients use (auth, root URL rewriting, the same gaxios), with the methods' paths
 * and parameters as the discovery documents (serviceusage/v1, iam/v1) define them.
 */
async function requester(options: GlobalOptions, defaultRoot: string) {
  const { createAPIRequest } = await import("googleapis-common");
  const context = { _options: options };
  return async (template: string, params: Record<string, unknown>, pathParams: string[]) => {
    const query = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    const response = await createAPIRequest<unknown>({
      options: { url: `${defaultRoot}${template}`, method: "GET", apiVersion: "" },
      params: query,
      requiredParams: pathParams,
      pathParams,
      context,
    });
    return response.data;
  };
}

export interface ServiceUsageClient {
  /** `services.get`: `name` is `projects/{project}/services/{service}`. */
  getService(name: string): Promise<unknown>;
}

export async function createServiceUsageClient(options: GlobalOptions): Promise<ServiceUsageClient> {
  const get = await requester(options, "https://serviceusage.googleapis.com/");
  return { getService: (name) => get("v1/{+name}", { name }, ["name"]) };
}

export interface IamClient {
  /** `projects.serviceAccounts.list`: `name` is `projects/{project}`. */
  listServiceAccounts(name: string, pageToken?: string): Promise<unknown>;
  /** `projects.serviceAccounts.keys.list`: `name` is `projects/{project}/serviceAccounts/{email}`. */
  listServiceAccountKeys(name: string, keyTypes: string): Promise<unknown>;
}

export async function createIamClient(options: GlobalOptions): Promise<IamClient> {
  const get = await requester(options, "https://iam.googleapis.com/");
  return {
    listServiceAccounts: (name, pageToken) =>
      get("v1/{+name}/serviceAccounts", { name, pageSize: 100, pageToken }, ["name"]),
    listServiceAccountKeys: (name, keyTypes) => get("v1/{+name}/keys", { name, keyTypes }, ["name"]),
  };
}
