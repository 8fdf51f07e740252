import { z } from "zod";
import { type ArmClientOptions, linkedPages, replyBody } from "./arm.js";

/**
 * Microsoft Graph (Entra ID) over the same HTTP stack as Resource Manager (`@azure/core-rest-pipeline`: bearer
 * token for the Graph audience, user agent, TLS agent), with the pipeline's retries off like ARM's: the
 * collector kit retries by error kind. Graph errors have ARM's `{ error: { code, message } }` shape and are
 * thrown as ArmHttpError, so `azureClassifier` reads both (Authorization_RequestDenied is a 403 denial).
 * Its options are ARM's: `endpoint` is `https://graph.microsoft.com` (national clouds have their own) and
 * `audience` the Graph token scope, `https://graph.microsoft.com/.default`.
 */
export type GraphClientOptions = ArmClientOptions;

export interface GraphReader {
  /** A `/v1.0` collection page by page (`@odata.nextLink`): each `next()` is one call, undefined at the end. */
  pages(path: string): { next(): Promise<unknown[] | undefined> };
  /** GET one `/v1.0` entity. */
  get(path: string): Promise<unknown>;
}

const GraphPageSchema = z.object({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.string().nullish(),
});

export async function createGraphReader(options: GraphClientOptions): Promise<GraphReader> {
  const {
    bearerTokenAuthenticationPolicy,
    createDefaultHttpClient,
    createPipelineFromOptions,
    createPipelineRequest,
  } = await import("@azure/core-rest-pipeline");
  const pipeline = createPipelineFromOptions({
    retryOptions: { maxRetries: 0 },
    userAgentOptions: { userAgentPrefix: "assay" },
  });
  pipeline.addPolicy(
    bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: options.audience }),
  );
  const httpClient = createDefaultHttpClient();
  const base = `${options.endpoint.replace(/\/+$/, "")}/v1.0`;

  async function send(url: string): Promise<unknown> {
    const request = createPipelineRequest({
      url,
      method: "GET",
      abortSignal: options.signal,
      timeout: options.timeoutMs,
    });
    if (options.agent) request.agent = options.agent;
    return replyBody(await pipeline.sendRequest(httpClient, request));
  }

  return {
    pages(path) {
      const pages = linkedPages(
        `${base}${path}`,
        send,
        GraphPageSchema,
        (page) => page["@odata.nextLink"],
        `the reply to ${path} has no value list`,
      );
      return { next: async () => (await pages.next())?.value };
    },
    get: (path) => send(`${base}${path}`),
  };
}
