import type { z } from "zod";
import type { ResourceInput } from "../../core/resource.js";
import type { CollectContext } from "../types.js";
import type { GoogleApis } from "./apis.js";
import { type GoogleFailure, toGoogleFailure } from "./errors.js";
import type { GcpSettings } from "./settings.js";

/** What one scan shares across projects and services. */
export interface GcpSession {
  apis: GoogleApis;
  settings: GcpSettings;
  /** Every Google API call goes through this gate (p-limit): at most N in flight for the whole scan. */
  gate: <T>(call: () => Promise<T>) => Promise<T>;
  ctx: CollectContext;
  collectedAt: string;
}

export const COLLECTOR = "gcp";

export type GcpResource = Omit<ResourceInput, "provider" | "collectedAt">;

export function emitGcp(session: GcpSession, resource: GcpResource): void {
  session.ctx.emit({ ...resource, provider: "gcp", collectedAt: session.collectedAt });
}

/** Sources for each fact read by one API call. */
export function sourcesFor(facts: Record<string, unknown>, permission: string): Record<string, string> {
  return Object.fromEntries(Object.keys(facts).map((k) => [k, `api: ${permission}`]));
}

/** Call a Google API through the gate, turning any failure into a GoogleFailure with the permission it needed. */
export async function call<T>(
  session: GcpSession,
  permission: string,
  request: () => Promise<T>,
): Promise<T> {
  try {
    return await session.gate(request);
  } catch (error) {
    throw new GoogleFailureError(toGoogleFailure(error, permission, session.ctx.signal));
  }
}

export class GoogleFailureError extends Error {
  readonly failure: GoogleFailure;
  constructor(failure: GoogleFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

export function failureOf(error: unknown, permission: string): GoogleFailure {
  if (error instanceof GoogleFailureError) return error.failure;
  return toGoogleFailure(error, permission);
}

/**
 * A list call that failed loses a whole resource type for that scope: report it so every rule of the type
 * gives `error` naming the permission. A disabled API is different: nothing of that kind can exist in the
 * project (Cloud SQL instances, KMS keys need their API on), so it is noted as progress, not an error.
 */
export function reportListFailure(
  session: GcpSession,
  scope: string,
  type: string,
  failure: GoogleFailure,
  what: string,
): void {
  if (failure.kind === "disabled") {
    session.ctx.progress({
      collector: COLLECTOR,
      scope: `${scope} (API disabled)`,
      phase: "done",
      resources: 0,
    });
    return;
  }
  session.ctx.reportError({
    collector: COLLECTOR,
    scope,
    code: failure.code,
    message: `could not list ${what} in ${scope}: ${failure.message}`,
    ...(failure.permission ? { permission: failure.permission } : {}),
    resourceTypes: [type],
  });
}

/**
 * A listed item whose shape Assay does not understand is not dropped silently: it is reported for its type
 * and scope, so the rules of that type give `error` there instead of passing over it.
 */
export function reportInvalidItem(session: GcpSession, scope: string, type: string, error: z.ZodError): void {
  const failure = toGoogleFailure(error, "");
  session.ctx.reportError({
    collector: COLLECTOR,
    scope,
    code: failure.code,
    message: `a ${type} in ${scope} could not be read: ${failure.message}`,
    resourceTypes: [type],
  });
}

/** Follow `nextPageToken` until the last page, one gated call per page. */
export async function* pages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<{ items: T[]; next?: string | null }>,
): AsyncGenerator<T[]> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield page.items;
    token = page.next ?? undefined;
  } while (token);
}
