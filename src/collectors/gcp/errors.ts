import { z } from "zod";
import type { ApiCall } from "../kit/calls.js";
import { CallError, type Classification, type ErrorClassifier, kindOfStatus } from "../kit/errors.js";
import type { FactsRecord, ResourceIdentity } from "../kit/facts.js";

/**
 * How Google API errors (gaxios errors of the `@googleapis/*` clients) map onto the kit's error kinds. The
 * JSON error body (https://cloud.google.com/apis/design/errors) carries `status` (PERMISSION_DENIED,
 * RESOURCE_EXHAUSTED, …), ErrorInfo `reason`s and, for Cloud Storage, the older `errors[].reason`. A 403
 * whose reason is SERVICE_DISABLED or accessNotConfigured is the API being off in the project, not a
 * denial: its code is SERVICE_DISABLED (resource types treat it as "nothing of this kind here"). 401 is
 * refused credentials, a configuration problem, never a missing permission. Network failures and timeouts
 * are recognised by the kit.
 */
const GoogleErrorBodySchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional() })).optional(),
    details: z.array(z.object({ reason: z.string().optional() })).optional(),
  }),
});

export const SERVICE_DISABLED = "SERVICE_DISABLED";

export const classifyGoogleError: ErrorClassifier = (err): Classification | undefined => {
  if (err instanceof z.ZodError) return { kind: "serviceError", code: "INVALID_REPLY" };
  const e = err as { status?: unknown; response?: { status?: unknown; data?: unknown } } | null;
  const status =
    typeof e?.response?.status === "number"
      ? e.response.status
      : typeof e?.status === "number"
        ? e.status
        : undefined;
  if (status === undefined) return undefined;
  const body = GoogleErrorBodySchema.safeParse(e?.response?.data);
  const detail = body.success ? body.data.error : undefined;
  const reasons = [
    ...(detail?.details ?? []).map((d) => d.reason),
    ...(detail?.errors ?? []).map((d) => d.reason),
  ].filter((r): r is string => !!r);
  if (status === 403 && reasons.some((r) => r === SERVICE_DISABLED || r === "accessNotConfigured")) {
    return { kind: "invalidConfiguration", code: SERVICE_DISABLED, status };
  }
  const kind = kindOfStatus(status);
  if (!kind) return undefined;
  return { kind, code: detail?.status ?? reasons[0] ?? `HTTP_${status}`, status };
};

/** Read a reply with its schema; a reply of another shape is the service's failure, named after the call. */
export function parseReply<S extends z.ZodType>(call: ApiCall, schema: S, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw invalidReply(call, parsed.error);
}

/** The error of a reply Assay cannot read: a service error, with the field that did not fit in `debug`. */
export function invalidReply(call: ApiCall, error: z.ZodError): CallError {
  const issue = error.issues[0];
  const where = `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`;
  return new CallError(
    { kind: "serviceError", code: "INVALID_REPLY" },
    call,
    `unexpected reply (${where})`,
    1,
    error,
  );
}

/**
 * A listed item Assay cannot read is not dropped: when it has a name it is emitted with every fact
 * unreadable (its rules give `error` for it); without one, its whole type fails in that place.
 */
export function unreadableItem(
  facts: FactsRecord,
  schema: z.ZodObject,
  call: ApiCall,
  item: unknown,
  error: z.ZodError,
  identityOf: (name: string) => ResourceIdentity,
): ResourceIdentity {
  const failure = invalidReply(call, error);
  const name = (item as { name?: unknown } | null)?.name;
  if (typeof name !== "string" || name === "") throw failure;
  facts.fail(Object.keys(schema.shape), failure);
  return identityOf(name);
}

/** True for the error of an API that is switched off in the project. */
export function isServiceDisabled(err: unknown): boolean {
  return (err as CallError | null)?.wireCode === SERVICE_DISABLED;
}
