import type { KeyObject } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { HttpError } from "./http-error.js";
import { type PreparedReport, prepareReportBody } from "./prepare.js";

/**
 * A worker of the prepare pool (prepare-pool.ts): runs prepareReportBody (JSON parse, zod, owner,
 * signature, canonical JSON, hash) off the thread that serves HTTP and writes the database.
 */

export interface PrepareRequest {
  id: number;
  body: string;
  agentId: string;
  key: KeyObject;
  receivedAt: number;
}

export type PrepareReply =
  | { id: number; ok: true; prepared: Omit<PreparedReport, "receivedAt"> }
  | { id: number; ok: false; status: number; code: string; message: string; field?: string };

function handle(request: PrepareRequest): PrepareReply {
  try {
    const { receivedAt: _received, ...prepared } = prepareReportBody(
      request.body,
      { id: request.agentId, key: request.key },
      new Date(request.receivedAt),
    );
    return { id: request.id, ok: true, prepared };
  } catch (error) {
    if (error instanceof HttpError) {
      return {
        id: request.id,
        ok: false,
        status: error.statusCode,
        code: error.code,
        message: error.message,
        ...(error.field === undefined ? {} : { field: error.field }),
      };
    }
    // Anything else is a bug, not bad input: the route answers 500 and the store logs it; the worker
    // stays up for the next report.
    return { id: request.id, ok: false, status: 500, code: "STORE_INTERNAL", message: String(error) };
  }
}

parentPort?.on("message", (request: PrepareRequest) => {
  parentPort!.postMessage(handle(request));
});
