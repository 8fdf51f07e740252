import type { KeyObject } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { PACKAGE_ROOT } from "../engine/paths.js";
import { HttpError } from "./http-error.js";
import { type PreparedReport, prepareReportBody } from "./prepare.js";
import type { PrepareReply, PrepareRequest } from "./prepare-worker.js";

/**
 * Checks posted reports (JSON parse, zod, owner, Ed25519, canonical JSON, SHA-256) on worker threads, so
 * the thread that serves HTTP and writes the database does only that. The checks are about a quarter of
 * a report's cost in the store and need no database (bench/store-ingest/floor.mjs).
 *
 * With `workers: 0` the same checks run inline. A worker that dies fails only the requests it held
 * (500, the client retries; nothing was accepted) and is replaced.
 */
export class PreparePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly log?: { error(obj: object, msg: string): void },
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** The report of a posted body, checked; rejects with the HttpError the route answers with. */
  prepare(body: string, agent: { id: string; key: KeyObject }, receivedAt: Date): Promise<PreparedReport> {
    if (this.size === 0 || this.closed) {
      return new Promise((resolve) => resolve(prepareReportBody(body, agent, receivedAt)));
    }
    // The least busy worker; ties go to the first.
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    const request: PrepareRequest = {
      id,
      body,
      agentId: agent.id,
      key: agent.key,
      receivedAt: receivedAt.getTime(),
    };
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, receivedAt });
      slot.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_FILE), pending: new Map() };
    // An idle pool must not keep the process alive (the store's own server does that).
    slot.worker.unref();
    slot.worker.on("message", (reply: PrepareReply) => {
      const waiting = slot.pending.get(reply.id);
      if (!waiting) return;
      slot.pending.delete(reply.id);
      if (reply.ok) waiting.resolve({ ...reply.prepared, receivedAt: waiting.receivedAt });
      else if (reply.status >= 500) waiting.reject(new Error(`checking a report failed: ${reply.message}`));
      else waiting.reject(new HttpError(reply.status, reply.code, reply.message, reply.field));
    });
    const fail = (error: Error) => {
      for (const waiting of slot.pending.values()) waiting.reject(error);
      slot.pending.clear();
      if (this.closed) return;
      this.log?.error({ err: error }, "a report-checking worker stopped; starting another");
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
    };
    slot.worker.on("error", fail);
    // A reply this thread cannot deserialise carries no readable id: fail what the worker holds (500,
    // the agents retry) rather than leave requests unanswered. The depth limit keeps it from happening.
    slot.worker.on("messageerror", (error) => {
      for (const waiting of slot.pending.values()) waiting.reject(error);
      slot.pending.clear();
      this.log?.error({ err: error }, "a report-checking worker's reply could not be read");
    });
    slot.worker.on("exit", (code) => {
      if (this.slots.includes(slot)) fail(new Error(`report-checking worker exited with code ${code}`));
    });
    return slot;
  }
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve(p: PreparedReport): void; reject(e: unknown): void; receivedAt: Date }>;
}

/**
 * The compiled worker beside this module; when this module runs from source (the test runner), the
 * build's copy, since a worker thread runs plain JavaScript (test/global-setup.ts builds dist first).
 */
const WORKER_FILE = (() => {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts")
    ? join(PACKAGE_ROOT, "dist", "store", "prepare-worker.js")
    : join(dirname(here), "prepare-worker.js");
})();
