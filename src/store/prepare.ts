import { type KeyObject, verify } from "node:crypto";
import secureJson from "secure-json-parse";
import { sha256Hex } from "../core/canonical.js";
import { type ScanReport, ScanReportSchema } from "../core/report.js";
import { fastCanonicalJson, JsonTooDeepError } from "./canonical-fast.js";
import { HttpError } from "./http-error.js";
import { assertStorableJson, checkReportTimes, MAX_JSON_DEPTH, tooDeep } from "./input-rules.js";

/*
 * The checks of a posted report that need no database: JSON, schema, owner, signature, canonical form
 * and hash. They run on the prepare pool's worker threads (prepare-pool.ts) or inline.
 */

/** A report that passed every check that needs no database: schema, owner, signature. */
export interface PreparedReport {
  report: ScanReport;
  /** Canonical JSON of the report as received (with its signature): what the ledger hashes and keeps. */
  canonical: string;
  hash: string;
  agentId: string;
  receivedAt: Date;
}

/**
 * Checks a posted body. The signature is verified over the body as received (not zod's output, which
 * fills defaults), and the canonical form is built member by member so the signed form (without
 * `signature`) and the stored form (with it) cost one serialisation.
 */
export function prepareReport(
  body: unknown,
  agent: { id: string; key: KeyObject },
  receivedAt: Date,
): PreparedReport {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(
      400,
      "STORE_REPORT_NOT_OBJECT",
      "The request body must be a JSON object (a ScanReport).",
    );
  }
  const parsed = ScanReportSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    throw new HttpError(
      400,
      "STORE_REPORT_INVALID",
      `The report is not a valid ScanReport: ${field}: ${issue.message}`,
      field,
    );
  }
  const report = parsed.data;
  checkReportTimes(report, receivedAt);
  if (report.agent.id !== agent.id) {
    throw new HttpError(
      403,
      "STORE_REPORT_WRONG_AGENT",
      `This token belongs to agent ${agent.id}; it cannot submit a report of agent ${report.agent.id}.`,
      "agent.id",
    );
  }
  const signature = report.signature;
  if (!signature) {
    throw new HttpError(
      422,
      "STORE_REPORT_UNSIGNED",
      "The report carries no signature; agents must sign reports.",
      "signature",
    );
  }
  if (signature.keyId !== agent.id) {
    throw new HttpError(
      422,
      "STORE_REPORT_WRONG_KEY",
      `The report is signed with key ${signature.keyId}, not the key registered for agent ${agent.id}.`,
      "signature.keyId",
    );
  }
  // The first walk over the whole body: it stops at MAX_JSON_DEPTH (parsing and zod do not recurse
  // into free-form values), and its output is where unstorable characters are looked for.
  let forms: { unsigned: string; full: string };
  try {
    forms = canonicalForms(body as Record<string, unknown>, MAX_JSON_DEPTH);
  } catch (error) {
    if (error instanceof JsonTooDeepError) throw tooDeep(body);
    throw error;
  }
  const { unsigned, full } = forms;
  assertStorableJson(full, body, "report");
  const valid = verify(null, Buffer.from(unsigned), agent.key, Buffer.from(signature.value, "base64"));
  if (!valid) {
    throw new HttpError(
      422,
      "STORE_REPORT_BAD_SIGNATURE",
      "The report signature does not verify against the agent's registered public key.",
      "signature.value",
    );
  }
  return { report, canonical: full, hash: sha256Hex(full), agentId: agent.id, receivedAt };
}

/**
 * A posted body, parsed as Fastify's own JSON parser would (`__proto__` and `constructor.prototype` keys
 * refused), then checked by prepareReport. The ingest route takes the body as text so that this can run
 * on a worker thread (prepare-pool.ts).
 */
export function prepareReportBody(
  text: string,
  agent: { id: string; key: KeyObject },
  receivedAt: Date,
): PreparedReport {
  if (text.length === 0) {
    throw new HttpError(
      400,
      "FST_ERR_CTP_EMPTY_JSON_BODY",
      "The request body is empty; send a ScanReport as JSON.",
    );
  }
  // JSON.parse and secure-json-parse do not recurse, so any depth parses; prepareReport refuses it.
  let body: unknown;
  try {
    body = secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
  } catch (error) {
    throw new HttpError(
      400,
      "FST_ERR_CTP_INVALID_JSON_BODY",
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  return prepareReport(body, agent, receivedAt);
}

/**
 * canonicalJson(report) and canonicalJson(report without signature), sharing the member serialisation.
 * `maxDepth` counts the report object itself (JsonTooDeepError beyond it).
 */
export function canonicalForms(
  body: Record<string, unknown>,
  maxDepth = Number.POSITIVE_INFINITY,
): { unsigned: string; full: string } {
  const keys = Object.keys(body)
    .filter((k) => body[k] !== undefined)
    .sort();
  let unsigned = "{";
  let full = "{";
  for (const key of keys) {
    const part = `${JSON.stringify(key)}:${fastCanonicalJson(body[key], maxDepth - 1)}`;
    full += full.length > 1 ? `,${part}` : part;
    if (key !== "signature") unsigned += unsigned.length > 1 ? `,${part}` : part;
  }
  return { unsigned: `${unsigned}}`, full: `${full}}` };
}
