import type { EmuAccount, EmuWorld } from "./state.js";

/** One decoded request, as the service handlers see it. */
export interface EmuRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The SigV4 credential scope: which region and service the client signed for. */
  region: string;
  service: string;
  accessKeyId: string;
  /** Query-protocol parameters (form body), JSON-protocol body. */
  form: URLSearchParams;
  json: Record<string, unknown>;
}

export interface EmuReply {
  status?: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** What a handler resolved a request to: the IAM action it needs, then the work. */
export interface EmuOperation {
  /** IAM action checked against the account's `denied` and `throttle` settings. */
  action: string;
  run(): EmuReply;
}

export type Protocol = "restXml" | "json" | "restJson" | "query" | "ec2";

export interface ServiceHandler {
  protocol: Protocol;
  /** XML namespace / JSON version for replies. */
  resolve(req: EmuRequest, account: EmuAccount, world: EmuWorld): EmuOperation;
}

/** An error reply, written in the protocol's own error format by the server. */
export class EmuError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function notFoundOperation(what: string): never {
  throw new EmuError("InvalidAction", 400, `The emulator does not implement ${what}`);
}

/**
 * Refuse a page size the real API refuses (each call site cites its API reference), so a collector that asks for
 * more than the service allows fails here as it would on AWS instead of passing against a lenient emulator.
 */
export function inRange(
  code: string,
  name: string,
  value: number | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value !== undefined && (value < min || value > max)) {
    throw new EmuError(code, 400, `${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Slice a list for one page: `token` is the start index as a string. */
export function page<T>(
  items: T[],
  token: string | undefined | null,
  requested: number | undefined,
  world: EmuWorld,
) {
  const start = token ? Number.parseInt(token, 10) : 0;
  if (!Number.isFinite(start) || start < 0)
    throw new EmuError("InvalidParameterValue", 400, "bad pagination token");
  const size = Math.max(1, Math.min(requested && requested > 0 ? requested : world.pageSize, world.pageSize));
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? String(start + size) : undefined;
  return { slice, next };
}

export function isoSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

export function jsonReply(body: unknown, contentType = "application/x-amz-json-1.1"): EmuReply {
  return { contentType, body: JSON.stringify(body) };
}

export function xmlReply(body: string, status = 200): EmuReply {
  return { status, contentType: "text/xml", body: `<?xml version="1.0" encoding="UTF-8"?>${body}` };
}

export function queryReply(action: string, namespace: string, result: string): EmuReply {
  return xmlReply(
    `<${action}Response xmlns="${namespace}"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata><RequestId>emu-${Date.now()}</RequestId></ResponseMetadata></${action}Response>`,
  );
}
