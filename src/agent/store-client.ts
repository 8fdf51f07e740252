import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";
import type { ScanReport } from "../core/report.js";

/**
 * The agent's side of the Store <-> agent HTTP contract (POST /v1/enrol, /v1/reports, /v1/heartbeat).
 * Every outcome is a value: `accepted`, `retry` (the store may take it later: network, 5xx, and the 4xx of
 * RETRYABLE_4XX) or `rejected` (any other 4xx: the store will never take this body, e.g. 400, 403, 409, 413,
 * 415, 422). Replies are validated with zod; nothing here logs the token or the secret.
 */
/**
 * 4xx replies that time or an operator can fix without changing the body: 401 (token not yet known or being
 * re-issued), 404 (a proxy or store URL being set up), 407 (proxy auth), 408 (timeout), 421/425 (connection
 * level), 429 (rate limited). Every other 4xx is a refusal of the body itself, and re-sending it would only
 * block the reports queued behind it.
 */
const RETRYABLE_4XX = new Set([401, 404, 407, 408, 421, 425, 429]);
const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
const EnrolReplySchema = z.object({ agentId: z.string().min(1), token: z.string().min(1) });
const ReportReplySchema = z.object({
  id: z.string(),
  ledgerSeq: z.number().int(),
  hash: z.string(),
  duplicate: z.boolean().optional(),
});

export type Outcome<T> =
  | { kind: "accepted"; value: T }
  | { kind: "retry"; reason: string; status?: number; retryAfterMs?: number }
  | { kind: "rejected"; reason: string; status: number; code?: string; field?: string };

export interface HeartbeatStatus {
  spooled?: number;
  spoolBytes?: number;
  lastError?: string;
}

export interface StoreClientOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Aborts in-flight requests when the agent shuts down. */
  signal?: AbortSignal;
}

export interface EnrolRequest {
  enrolmentSecret: string;
  hostname: string;
  platform: string;
  group?: string;
  publicKeyPem: string;
}

export class StoreClient {
  constructor(private readonly options: StoreClientOptions) {}

  enrol(body: EnrolRequest): Promise<Outcome<z.infer<typeof EnrolReplySchema>>> {
    return this.post("/v1/enrol", JSON.stringify(body), undefined, EnrolReplySchema);
  }

  /** `body` is the report exactly as spooled, so a re-send is byte-identical. */
  sendReport(token: string, body: string): Promise<Outcome<z.infer<typeof ReportReplySchema>>> {
    return this.post("/v1/reports", body, token, ReportReplySchema);
  }

  /** `status`: spool depth and the agent's last error, so the store sees an agent that runs but is stuck. */
  heartbeat(
    token: string,
    agentId: string,
    version: string,
    status: HeartbeatStatus = {},
  ): Promise<Outcome<null>> {
    const body: Record<string, unknown> = { agentId, version };
    if (status.spooled !== undefined) body.spooled = status.spooled;
    if (status.spoolBytes !== undefined) body.spoolBytes = status.spoolBytes;
    if (status.lastError !== undefined) body.lastError = status.lastError.slice(0, 500);
    return this.post("/v1/heartbeat", JSON.stringify(body), token, null);
  }

  private async post<T>(
    path: string,
    body: string,
    token: string | undefined,
    schema: z.ZodType<T> | null,
  ): Promise<Outcome<T>> {
    const url = new URL(
      path,
      this.options.baseUrl.endsWith("/") ? this.options.baseUrl : `${this.options.baseUrl}/`,
    );
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    let response: HttpReply;
    try {
      response = await postJson(url, body, token, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = timeout.aborted
        ? `no reply within ${this.options.timeoutMs} ms`
        : (code ?? (error as Error).message);
      return { kind: "retry", reason: `store unreachable: ${reason}` };
    }
    const text = response.text;
    if (response.status >= 200 && response.status < 300) {
      if (schema === null) return { kind: "accepted", value: null as T };
      const parsed = schema.safeParse(safeJson(text));
      if (!parsed.success)
        return {
          kind: "retry",
          status: response.status,
          reason: `unexpected reply from the store (HTTP ${response.status})`,
        };
      return { kind: "accepted", value: parsed.data };
    }
    const error = ErrorBodySchema.safeParse(safeJson(text));
    const detail = error.success
      ? `${error.data.error.code}: ${error.data.error.message}${error.data.error.field ? ` (field ${error.data.error.field})` : ""}`
      : `HTTP ${response.status}`;
    const status = response.status;
    // e.g. 409: this report id was accepted before with different content; re-sending cannot change that.
    if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
      return {
        kind: "rejected",
        status,
        reason: detail,
        ...(error.success ? { code: error.data.error.code } : {}),
        ...(error.success && error.data.error.field !== undefined ? { field: error.data.error.field } : {}),
      };
    }
    const retryAfter = Number(response.retryAfter);
    return {
      kind: "retry",
      status,
      reason: detail,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function reportBody(report: ScanReport): string {
  return JSON.stringify(report);
}

interface HttpReply {
  status: number;
  text: string;
  retryAfter: string | undefined;
}

/**
 * One JSON POST over node:http(s). The agent uses these rather than fetch: it is the only HTTP the idle
 * agent does, and fetch's engine (undici) would add several MB to a process that should stay small.
 */
function postJson(
  url: URL,
  body: string,
  token: string | undefined,
  signal: AbortSignal,
): Promise<HttpReply> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "POST",
        signal,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
            retryAfter: res.headers["retry-after"],
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
