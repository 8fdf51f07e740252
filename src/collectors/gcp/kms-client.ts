import type { GlobalOptions } from "googleapis-common";

/**
 * Cloud KMS has no per-API `@googleapis/*` package on npm (only the full `googleapis`, 230 MB installed).
 * These three list calls use googleapis-common's `createAPIRequest`, the very request path the generated
 * clients use (auth, root URL rewriting, retries), so KMS behaves exactly like the other APIs.
 */
export interface KmsListParams {
  /** `projects/p`, `projects/p/locations/l`, or `projects/p/locations/l/keyRings/r`. */
  parent: string;
  pageToken?: string;
  pageSize?: number;
}

export interface KmsClient {
  listLocations(params: KmsListParams): Promise<unknown>;
  listKeyRings(params: KmsListParams): Promise<unknown>;
  listCryptoKeys(params: KmsListParams): Promise<unknown>;
}

const DEFAULT_ROOT = "https://cloudkms.googleapis.com/";

export async function createKmsClient(options: GlobalOptions): Promise<KmsClient> {
  const { createAPIRequest } = await import("googleapis-common");
  const context = { _options: options };
  const list = async (template: string, nameParam: "name" | "parent", params: KmsListParams) => {
    const query: Record<string, unknown> = { [nameParam]: params.parent };
    if (params.pageToken) query.pageToken = params.pageToken;
    if (params.pageSize) query.pageSize = params.pageSize;
    const response = await createAPIRequest<unknown>({
      options: { url: `${DEFAULT_ROOT}${template}`, method: "GET", apiVersion: "" },
      params: query,
      requiredParams: [nameParam],
      pathParams: [nameParam],
      context,
    });
    return response.data;
  };
  return {
    listLocations: (params) => list("v1/{+name}/locations", "name", params),
    listKeyRings: (params) => list("v1/{+parent}/keyRings", "parent", params),
    listCryptoKeys: (params) => list("v1/{+parent}/cryptoKeys", "parent", params),
  };
}
