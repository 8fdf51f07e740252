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
 * resource types and device probes build their records through this one class.
 */
export class FactsRecord {
  readonly attributes: Record<string, unknown> = {};
  readonly sources: Record<string, string> = {};
  readonly unreadable: Record<string, string> = {};

  /** Record a fact; `undefined` (not returned) records nothing. `from` is an ApiCall or a source text. */
  set(key: string, value: unknown, from: ApiCall | string): void {
    if (value === undefined) return;
    this.attributes[key] = value;
    this.sources[key] = typeof from === "string" ? from : from.source;
  }

  /** Mark facts unreadable with the plain reason of `err` (a CallError's reason, or the error's message). */
  fail(keys: string | readonly string[], err: unknown): void {
    const reason = reasonOf(err);
    for (const key of typeof keys === "string" ? [keys] : keys) {
      delete this.attributes[key];
      delete this.sources[key];
      this.unreadable[key] = reason;
    }
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
