import type { ApiCall } from "./calls.js";
import { type CallError, classify, type ErrorClassifier, retryLimit } from "./errors.js";

/**
 * How hard one call is tried. The SDKs' own retries are switched off (maxAttempts 1) and the kit retries by
 * error kind instead: throttling up to `maxAttempts` with exponential backoff and full jitter, a 5xx or a
 * dropped socket once more, nothing else (a denial, a DNS failure or a bad request do not change on retry).
 * `budgetMs` bounds the whole call, waits included, so one slow API cannot hold a scan for minutes. A throttled
 * reply's `Retry-After` (seconds or an HTTP date, as AWS, Azure and Google send it) is waited out when it is
 * longer than the backoff; one that reaches past the budget ends the call at once.
 */
export interface AttemptPolicy {
  maxAttempts: number;
  budgetMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_ATTEMPT_POLICY: AttemptPolicy = {
  maxAttempts: 5,
  budgetMs: 60_000,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
};

/** The failure a call gets when its time budget ran out before an answer. */
const TIMED_OUT = (budgetMs: number) =>
  Object.assign(new Error(`no answer within ${Math.round(budgetMs / 1000)} s`), { code: "ETIMEDOUT" });

/**
 * Run `send` under the policy; the result, or a classified CallError naming the call, its kind and the number
 * of attempts. An abort of `signal` is passed through untouched (a cancelled scan is not a call failure).
 */
export async function attemptCall<T>(
  call: ApiCall,
  send: () => Promise<T>,
  classifier: ErrorClassifier,
  policy: AttemptPolicy,
  signal: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + policy.budgetMs;
  for (let attempt = 1; ; attempt += 1) {
    signal.throwIfAborted();
    let error: CallError;
    try {
      return await withinDeadline(send(), deadline, policy.budgetMs);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      error = classify(err, call, classifier, attempt);
    }
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * Math.random();
    const delay = error.kind === "throttled" ? Math.max(backoff, retryAfterMs(error.cause) ?? 0) : backoff;
    const limit = retryLimit(error, policy.maxAttempts);
    if (attempt >= limit || Date.now() + delay >= deadline) throw error;
    await sleep(delay, signal);
  }
}

/**
 * The `Retry-After` header of a failed reply, in milliseconds, whichever SDK raised it: the AWS SDK keeps the
 * raw reply in `$response`, Azure's RestError and Google's GaxiosError in `response` (headers as a plain object
 * or a Headers-like `get`). Undefined when there is none or it does not parse.
 */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const e = err as { $response?: { headers?: unknown }; response?: { headers?: unknown } } | undefined;
  const value = headerValue(e?.$response?.headers) ?? headerValue(e?.response?.headers);
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function headerValue(headers: unknown): string | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const h = headers as { get?: (name: string) => unknown } & Record<string, unknown>;
  const value = typeof h.get === "function" ? h.get("retry-after") : (h["retry-after"] ?? h["Retry-After"]);
  if (Array.isArray(value)) return typeof value[0] === "string" ? value[0] : undefined;
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

async function withinDeadline<T>(work: Promise<T>, deadline: number, budgetMs: number): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) throw TIMED_OUT(budgetMs);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT(budgetMs)), left);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
