import type { z } from "zod";
import type { ResourceInput } from "../../core/resource.js";
import type { ApiCall } from "./calls.js";
import { CallError } from "./errors.js";

/** Who a resource is: everything of a Resource except its facts and where they came from. */
export interface ResourceIdentity {
  uid: string;
  name: string;
  account?: string;
  region?: string;
  tags?: Record<string, string>;
}

/**
 * One resource's facts as they are read. A fact is either set (value and where it was read: an API call, a
 * command, a file) or unreadable (the reason), never silently missing; a value the source did not return is
 * not set at all, so rules see it absent. build() validates the facts against the type's schema. Cloud
 * resource types and device probes build their records through this one class: `F` names the facts a record
 * may hold (device probes use `FactsRecord<DeviceFacts>`, so a probe cannot set a fact the schema lacks);
 * set/fail return the record so a probe can `return new FactsRecord<DeviceFacts>().set(...)`.
 */
export class FactsRecord<F extends object = Record<string, unknown>> {
  readonly attributes: Partial<F> & Record<string, unknown> = {} as Partial<F> & Record<string, unknown>;
  readonly sources: Record<string, string> = {};
  readonly unreadable: Record<string, string> = {};

  /** Record a fact; `undefined` (not returned) records nothing. `from` is an ApiCall or a source text. */
  set<K extends keyof F & string>(key: K, value: F[K] | undefined, from: ApiCall | string): this {
    if (value === undefined) return this;
    (this.attributes as Record<string, unknown>)[key] = value;
    this.sources[key] = typeof from === "string" ? from : from.source;
    return this;
  }

  /**
   * Mark facts unreadable with the plain reason of `err` (a CallError's reason, the error's message, or a
   * reason text). A key may name a part of a fact (`accounts.localAdmins`) that could not be read while the
   * rest was. `from` keeps where the read was attempted (the command a device probe ran), for the evidence.
   */
  fail(keys: string | readonly string[], err: unknown, from?: ApiCall | string): this {
    const reason = reasonOf(err);
    for (const key of typeof keys === "string" ? [keys] : keys) {
      delete this.attributes[key];
      delete this.sources[key];
      this.unreadable[key] = reason;
      if (from !== undefined) this.sources[key] = typeof from === "string" ? from : from.source;
    }
    return this;
  }

  /** Add every fact, source and unreadable reason of `others` (later records win on the same key). */
  merge(...others: readonly FactsRecord<F>[]): this {
    for (const other of others) {
      Object.assign(this.attributes, other.attributes);
      Object.assign(this.sources, other.sources);
      Object.assign(this.unreadable, other.unreadable);
    }
    return this;
  }

  /** Run a read; on success apply it, on failure mark `keys` unreadable. */
  async read<T>(
    keys: string | readonly string[],
    read: () => Promise<T>,
    apply: (value: T) => void,
  ): Promise<void> {
    let value: T;
    try {
      value = await read();
    } catch (err) {
      this.fail(keys, err);
      return;
    }
    apply(value);
  }

  build(schema: z.ZodType, type: string, provider: string, who: ResourceIdentity): ResourceInput {
    const parsed = schema.safeParse(this.attributes);
    if (!parsed.success) {
      // A collector bug, not a state of the system read: name the resource and field, and fail closed.
      throw new Error(`${provider} collector produced invalid facts for ${who.uid}: ${parsed.error.message}`);
    }
    return {
      uid: who.uid,
      type,
      provider,
      name: who.name,
      ...(who.account !== undefined ? { account: who.account } : {}),
      ...(who.region !== undefined ? { region: who.region } : {}),
      tags: who.tags ?? {},
      attributes: parsed.data as Record<string, unknown>,
      sources: this.sources,
      unreadable: this.unreadable,
      collectedAt: new Date().toISOString(),
    };
  }
}

export function reasonOf(err: unknown): string {
  return err instanceof CallError ? err.reason : err instanceof Error ? err.message : String(err);
}
