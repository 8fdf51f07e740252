import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import pLimit, { type LimitFunction } from "p-limit";
import type { z } from "zod";
import type { ResourceInput } from "../../core/resource.js";
import type { CollectContext } from "../types.js";
import { AwsCallError, classifyAwsError, isAbsent } from "./errors.js";
import type { AwsApiCall } from "./permissions.js";
import type { AwsSettings } from "./settings.js";

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
/** What SDK clients accept as `credentials`: fixed values or a provider the client calls (and caches). */
export type CredentialSource = StaticCredentials | (() => Promise<StaticCredentials>);

/** The options every AWS client is built with. */
export interface BaseClientConfig {
  region: string;
  credentials: CredentialSource;
  endpoint?: string;
  maxAttempts: number;
  retryMode: "adaptive";
  cacheMiddleware: boolean;
  requestHandler: {
    httpAgent: HttpAgent;
    httpsAgent: HttpsAgent;
    requestTimeout: number;
    connectionTimeout: number;
  };
}

/** One scan's shared pieces: settings, the scan context, keep-alive connection pools. */
export class AwsEnvironment {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  /** The scan's abort signal: checked before every call (see AccountScope.call). */
  readonly signal: AbortSignal;

  constructor(
    readonly settings: AwsSettings,
    readonly ctx: CollectContext,
  ) {
    this.signal = ctx.signal;
    // Sockets are reused across calls; the per-service limiters, not the agent, bound the work in flight.
    const maxSockets = Math.max(64, settings.concurrency * 16);
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  }

  clientConfig(region: string, credentials: CredentialSource): BaseClientConfig {
    return {
      region,
      credentials,
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
      maxAttempts: this.settings.maxAttempts,
      retryMode: "adaptive",
      // Reuse each command's resolved middleware stack instead of rebuilding it per call (sends carry no
      // per-call options for this reason; aborts are checked before each call in AccountScope.call).
      cacheMiddleware: true,
      requestHandler: {
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        requestTimeout: 60_000,
        connectionTimeout: 10_000,
      },
    };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * One account being scanned: its credentials, a cache of SDK clients per service and region, and a p-limit per
 * service and region so no API sees more than `concurrency` calls in flight from us.
 */
export class AccountScope {
  private readonly clients = new Map<string, unknown>();
  private readonly limiters = new Map<string, LimitFunction>();
  regions: string[] = [];

  constructor(
    readonly env: AwsEnvironment,
    readonly accountId: string,
    readonly partition: string,
    readonly credentials: CredentialSource,
  ) {}

  get settings(): AwsSettings {
    return this.env.settings;
  }

  get ctx(): CollectContext {
    return this.env.ctx;
  }

  get homeRegion(): string {
    return this.settings.homeRegion;
  }

  /** The SDK client for a service and region, built on first use. */
  client<C>(service: string, region: string, make: (config: BaseClientConfig) => C): C {
    const key = `${service}/${region}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      client = make(this.env.clientConfig(region, this.credentials));
      this.clients.set(key, client);
    }
    return client;
  }

  private limiter(service: string, region: string): LimitFunction {
    const key = `${service}/${region}`;
    let limit = this.limiters.get(key);
    if (!limit) {
      limit = pLimit(this.settings.concurrency);
      this.limiters.set(key, limit);
    }
    return limit;
  }

  /** Make one API call under the service/region limit; failures come back as AwsCallError (denied or failed). */
  async call<T>(service: string, region: string, api: AwsApiCall, send: () => Promise<T>): Promise<T> {
    try {
      return await this.limiter(service, region)(() => this.unlessAborted(send));
    } catch (err) {
      throw classifyAwsError(err, api);
    }
  }

  /** Like call(), but the listed "not configured" error codes resolve to undefined instead of failing. */
  async callOrAbsent<T>(
    service: string,
    region: string,
    api: AwsApiCall,
    absentCodes: readonly string[],
    send: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.limiter(service, region)(() => this.unlessAborted(send));
    } catch (err) {
      if (isAbsent(err, absentCodes)) return undefined;
      throw classifyAwsError(err, api);
    }
  }

  get signal(): AbortSignal {
    return this.env.signal;
  }

  /** A cancelled scan starts no new call; calls in flight finish within the request timeout. */
  private unlessAborted<T>(send: () => Promise<T>): Promise<T> {
    this.signal.throwIfAborted();
    return send();
  }

  /** Report a call that stopped a whole resource type (or a region of it) from being listed. */
  reportListFailure(scope: string, err: unknown, resourceTypes: string[]): void {
    const e = err instanceof AwsCallError ? err : undefined;
    this.ctx.reportError({
      collector: "aws",
      scope: `${this.accountId}/${scope}`,
      code: e ? (e.kind === "denied" ? "AccessDenied" : e.awsCode) : "AWS_COLLECTOR_FAILED",
      message: err instanceof Error ? err.message : String(err),
      ...(e ? { permission: e.permission } : {}),
      resourceTypes,
    });
  }
}

/**
 * Collects one resource's facts. A fact group is either read (value and source recorded) or unreadable (the
 * reason recorded), never silently missing; build() validates the facts against the type's schema.
 */
export class FactsBuilder {
  readonly attributes: Record<string, unknown> = {};
  readonly sources: Record<string, string> = {};
  readonly unreadable: Record<string, string> = {};

  set(key: string, value: unknown, api: AwsApiCall | string): void {
    if (value === undefined) return;
    this.attributes[key] = value;
    this.sources[key] = typeof api === "string" ? api : api.source;
  }

  fail(keys: string | readonly string[], err: unknown): void {
    const reason =
      err instanceof AwsCallError ? err.reason : err instanceof Error ? err.message : String(err);
    for (const key of typeof keys === "string" ? [keys] : keys) {
      delete this.attributes[key];
      this.unreadable[key] = reason;
    }
  }

  /** Run a read; on success apply it, on failure mark `keys` unreadable. */
  async read<T>(
    keys: string | readonly string[],
    read: () => Promise<T>,
    apply: (value: T) => void,
  ): Promise<void> {
    try {
      apply(await read());
    } catch (err) {
      this.fail(keys, err);
    }
  }

  build(
    schema: z.ZodType,
    base: Pick<ResourceInput, "uid" | "type" | "name" | "account" | "region"> & {
      tags?: Record<string, string>;
    },
  ): ResourceInput {
    const parsed = schema.safeParse(this.attributes);
    if (!parsed.success) {
      // A collector bug, not an AWS state: say which resource and field so it is fixed, and fail closed.
      throw new Error(`aws collector produced invalid facts for ${base.uid}: ${parsed.error.message}`);
    }
    return {
      ...base,
      provider: "aws",
      tags: base.tags ?? {},
      attributes: parsed.data as Record<string, unknown>,
      sources: this.sources,
      unreadable: this.unreadable,
      collectedAt: new Date().toISOString(),
    };
  }
}
