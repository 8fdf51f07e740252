import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import pLimit, { type LimitFunction } from "p-limit";
import type { z } from "zod";
import type { ResourceInput } from "../../core/resource.js";
import { type AttemptPolicy, attemptCall } from "../kit/attempts.js";
import type { ApiCall } from "../kit/calls.js";
import { FactsRecord } from "../kit/facts.js";
import { errorRecord, type ProviderBinding } from "../kit/runner.js";
import type { CollectContext } from "../types.js";
import type { AccountFactsCollector } from "./account.js";
import { classifyAwsError } from "./errors.js";
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
  /** 1: the kit retries by error kind within a time budget (kit/attempts.ts), the SDK does not. */
  maxAttempts: 1;
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
  /** Attempts and time budget of every call. */
  readonly policy: AttemptPolicy;

  constructor(
    readonly settings: AwsSettings,
    readonly ctx: CollectContext,
  ) {
    this.signal = ctx.signal;
    this.policy = {
      maxAttempts: settings.maxAttempts,
      budgetMs: settings.callTimeoutSeconds * 1000,
      baseDelayMs: 100,
      maxDelayMs: 5_000,
    };
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
      maxAttempts: 1,
      // Reuse each command's resolved middleware stack instead of rebuilding it per call (sends carry no
      // per-call options for this reason; aborts are checked before each call in AccountScope.call).
      cacheMiddleware: true,
      requestHandler: {
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        requestTimeout: this.policy.budgetMs,
        connectionTimeout: 10_000,
      },
    };
  }

  /** One call outside an account scope (STS, Organizations) under the attempt policy. */
  call<T>(api: ApiCall, send: () => Promise<T>): Promise<T> {
    return attemptCall(api, send, classifyAwsError, this.policy, this.signal);
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
  /**
   * The account resource being assembled from several services (CloudTrail and Backup summaries across
   * regions); set by run.ts before any resource type runs.
   */
  account: AccountFactsCollector | undefined;
  /** Trails already emitted in this account: a multi-region trail is seen from every region. */
  readonly claimedTrails = new Set<string>();

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

  /** The account aggregate; a resource type contributing to it runs only after run.ts has set it. */
  get accountFacts(): AccountFactsCollector {
    if (!this.account) throw new Error("the aws.account aggregate is not set for this account scope");
    return this.account;
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

  /** The concurrency lane of a service in a region: at most `concurrency` calls in flight. */
  limiter(service: string, region: string): LimitFunction {
    const key = `${service}/${region}`;
    let limit = this.limiters.get(key);
    if (!limit) {
      limit = pLimit(this.settings.concurrency);
      this.limiters.set(key, limit);
    }
    return limit;
  }

  /** Make one API call under the service/region limit and the attempt policy; failures throw a CallError. */
  call<T>(service: string, region: string, api: ApiCall, send: () => Promise<T>): Promise<T> {
    return this.limiter(
      service,
      region,
    )(() => attemptCall(api, send, classifyAwsError, this.env.policy, this.signal));
  }

  /** What the kit's runner needs to collect declared resource types in this account. */
  binding(): ProviderBinding<AccountScope> {
    return {
      provider: "aws",
      handle: this,
      classifier: classifyAwsError,
      policy: this.env.policy,
      signal: this.signal,
      limiter: (service, region) => this.limiter(service, region),
      emit: (resource) => this.ctx.emit(resource),
      reportError: (error) => this.ctx.reportError(error),
      itemsInFlight: this.settings.concurrency * 2,
    };
  }

  get signal(): AbortSignal {
    return this.env.signal;
  }

  /** Report a call that stopped a whole resource type (or a region of it) from being listed. */
  reportListFailure(scope: string, err: unknown, resourceTypes: string[]): void {
    this.ctx.reportError(errorRecord("aws", `${this.accountId}/${scope}`, err, resourceTypes));
  }
}

/**
 * The kit's facts record with the AWS resource fields filled in: one implementation of set / fail / read /
 * build for every provider and the device probes (src/collectors/kit/facts.ts).
 */
export class FactsBuilder extends FactsRecord {
  buildResource(
    schema: z.ZodType,
    base: Pick<ResourceInput, "uid" | "type" | "name" | "account" | "region"> & {
      tags?: Record<string, string>;
    },
  ): ResourceInput {
    return this.build(schema, base.type, "aws", { ...base, name: base.name ?? base.uid });
  }
}
