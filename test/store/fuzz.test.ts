import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/canonical.js";
import type { ScanReport } from "../../src/core/report.js";
import { signReport } from "../../src/core/signing.js";
import { verifyLedger } from "../../src/store/verify.js";
import {
  buildReport,
  databases,
  ENROLMENT_SECRET,
  enrolAgent,
  freshDatabase,
  personToken,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

/*
 * Issue 10, item 8: a fuzz suite over the real routes (fixed seed, bounded count). Random and mutated
 * signed reports, random bodies and random query strings; every reply must be 2xx or 4xx and come within
 * a second, and the ledger must verify afterwards. A counterexample is printed with the seed and path
 * (fast-check's `seed`/`path` options replay it).
 */

const SEED = 4242;
const RUNS = Number(process.env.ASSAY_FUZZ_RUNS ?? 2000);
const SLOW_MS = 1000;

type Case =
  | { kind: "report"; mutations: Mutation[]; resign: boolean }
  | { kind: "bytes"; edits: ByteEdit[]; contentType: string | null }
  | { kind: "query"; route: string; params: [string, string][]; raw: string }
  | { kind: "body"; url: string; body: string; contentType: string | null };

type Mutation =
  | { op: "set"; at: number; value: unknown }
  | { op: "delete"; at: number }
  | { op: "add"; at: number; key: string; value: unknown };
type ByteEdit =
  | { op: "replace" | "insert" | "delete"; at: number; byte: number }
  | { op: "truncate"; at: number };

/** Text a hostile or broken client could send: Unicode edge cases, control characters, lone surrogates. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom(
    "\u0000",
    "\uD83D",
    "\uDE00",
    "😀",
    "e\u0301",
    "\u202E",
    "\uFEFF",
    "\u2028",
    "__proto__",
    "constructor",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
    "' OR 1=1 --",
    "%00",
    "a".repeat(5000),
  ),
);
/** Text with a character no database column may take, somewhere in it. */
const controlText = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.constantFrom("\u0000", "\u0001", "\u001B", "\u007F", "\u0085", "\uD800"),
    fc.string({ maxLength: 8 }),
  )
  .map(([a, c, b]) => `${a}${c}${b}`);
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 1, arbitrary: controlText },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      -1,
      0,
      1e308,
      -0,
      2 ** 53 + 1,
      null,
      true,
      [],
      {},
      { __proto__: { polluted: true } },
    ),
  },
  // Deep values around the nesting limit.
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 200 }).map((depth) => nest(depth)) },
);

function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: nastyValue }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("add" as const), at: fc.nat(), key: nastyString, value: nastyValue }),
);
const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({
    op: fc.constantFrom("replace" as const, "insert" as const, "delete" as const),
    at: fc.nat(),
    byte: fc.nat(255),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);
/** Mostly JSON (so bodies reach the checks behind the parser), sometimes none or another type (415). */
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8") },
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/octet-stream"),
  },
);

/**
 * The GET routes with their known parameters (random ones are added too). `/v1/ledger/verify` is left
 * out: it re-checks the whole chain, so its time grows with the ledger by design (it is run once at the
 * end instead).
 */
const QUERY_ROUTES: Record<string, string[]> = {
  "/v1/posture": ["by"],
  "/v1/drift": [
    "type",
    "agent",
    "rule",
    "resource",
    "severity",
    "policy",
    "since",
    "until",
    "after",
    "limit",
  ],
  "/v1/assets": ["type", "agent", "after", "limit"],
  "/v1/evidence": ["control", "from", "to", "format"],
  "/v1/ledger": ["after", "limit"],
  "/v1/agents": [],
  "/v1/alerts": ["after", "limit"],
  "/healthz": [],
};
const queryValue = fc.oneof(
  nastyString,
  fc.constantFrom(
    "control",
    "policy,rule",
    "high",
    "jsonl",
    "csv",
    "xml",
    "2026-01-01T00:00:00Z",
    "-1",
    "5001",
    "1e400",
    "NaN",
    "iso27001-2022:A.8.24",
  ),
  fc.integer().map(String),
);
/**
 * Mostly the route's own parameters (an unknown one is refused before any query runs, so random names
 * alone rarely reach the database), sometimes a random name; `raw` appends hand-typed percent-escapes.
 */
const queryCase = fc.constantFrom(...Object.keys(QUERY_ROUTES)).chain((route) =>
  fc.record({
    kind: fc.constant("query" as const),
    route: fc.constant(route),
    params: fc.array(
      fc.tuple(
        fc.oneof(
          {
            weight: 5,
            arbitrary: fc.constantFrom(...(QUERY_ROUTES[route]!.length ? QUERY_ROUTES[route]! : ["x"])),
          },
          { weight: 1, arbitrary: nastyString },
        ),
        fc.oneof({ weight: 3, arbitrary: queryValue }, { weight: 1, arbitrary: controlText }),
      ),
      { maxLength: 3 },
    ),
    // Stray '%', invalid UTF-8, encoded NUL, repeated keys.
    raw: fc.oneof(
      { weight: 3, arbitrary: fc.constant("") },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom(...(QUERY_ROUTES[route]!.length ? QUERY_ROUTES[route]! : ["x"])),
            fc.array(fc.nat(255), { minLength: 1, maxLength: 6 }),
          )
          .map(
            ([key, bytes]) => `${key}=${bytes.map((b) => `%${b.toString(16).padStart(2, "0")}`).join("")}`,
          ),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom("control=%", "control=%zz", "%00=1", "limit=1&limit=2", "control=%00"),
      },
    ),
  }),
);
const bodyCase = fc.record({
  kind: fc.constant("body" as const),
  url: fc.constantFrom("/v1/enrol", "/v1/heartbeat", "/v1/tokens", "/v1/reports"),
  body: fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
    fc
      .record({
        enrolmentSecret: fc.oneof(fc.constant(ENROLMENT_SECRET), nastyString),
        hostname: fc.oneof(nastyString, controlText),
        platform: nastyString,
        publicKeyPem: nastyString,
      })
      .map((v) => JSON.stringify(v)),
    fc
      .record({ role: fc.constantFrom("admin", "auditor", "root"), name: nastyString })
      .map((v) => JSON.stringify(v)),
    fc
      .record(
        { agentId: nastyString, version: fc.oneof(nastyString, controlText) },
        { requiredKeys: ["version"] },
      )
      .map((v) => JSON.stringify(v)),
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.integer({ min: 60, max: 3000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  ),
  contentType,
});

const anyCase: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("report" as const),
      mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }),
      resign: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("bytes" as const),
      edits: fc.array(byteEdit, { minLength: 1, maxLength: 4 }),
      contentType,
    }),
  },
  { weight: 3, arbitrary: queryCase },
  { weight: 2, arbitrary: bodyCase },
);

/** Every path into a JSON value (objects and arrays), the root included, in a stable order. */
function paths(
  value: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) paths(value[i], [...at, i], out);
  } else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

function applyMutation(report: Record<string, unknown>, m: Mutation): void {
  const all = paths(report).filter((p) => p.length > 0);
  const path = all[m.at % all.length]!;
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], report) as
    | Record<string, unknown>
    | unknown[];
  const last = path.at(-1)!;
  if (m.op === "set") (parent as Record<string | number, unknown>)[last] = structuredClone(m.value);
  else if (m.op === "delete") {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last as string];
  } else {
    const target = (parent as Record<string | number, unknown>)[last];
    if (target !== null && typeof target === "object" && !Array.isArray(target))
      Object.defineProperty(target, m.key, {
        value: structuredClone(m.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else if (Array.isArray(target)) target.push(structuredClone(m.value));
  }
}

function applyBytes(text: string, edits: ByteEdit[]): Buffer {
  let bytes = Buffer.from(text);
  for (const e of edits) {
    const at = e.at % Math.max(1, bytes.length);
    if (e.op === "truncate") bytes = bytes.subarray(0, at);
    else if (e.op === "delete") bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    else if (e.op === "insert")
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([e.byte]), bytes.subarray(at)]);
    else if (bytes.length > 0) bytes[at] = e.byte;
  }
  return bytes;
}

/** Canonical JSON that tolerates what the mutations make (deep values, odd numbers); undefined if none. */
function trySign(report: Record<string, unknown>, agent: TestAgent): string | undefined {
  try {
    const { signature: _unused, ...unsigned } = report;
    return JSON.stringify(signReport(unsigned as ScanReport, agent.keys.privateKeyPem, agent.agentId));
  } catch {
    return undefined;
  }
}

describe.each(databases())("fuzzing the store's routes on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let admin: string;
  let auditor: string;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { maxReportBytes: 1024 * 1024 });
    agent = await enrolAgent(app);
    admin = await personToken(app, "admin");
    auditor = await personToken(app, "auditor");
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it(`answers ${RUNS} random and mutated requests with 2xx/4xx within ${SLOW_MS} ms, and verify passes`, async () => {
    const statuses = new Map<number, number>();
    let slowest = 0;
    let slowestCase = "";
    const send = async (c: Case) => {
      const base = buildReport({ agentId: agent.agentId }, [
        { ruleId: "DEV-ENC-001", resourceUid: "dev-fuzz-1", status: "pass" },
        { ruleId: "DEV-PATCH-001", resourceUid: "dev-fuzz-1", status: "fail" },
      ]);
      const auth = { authorization: `Bearer ${agent.token}` };
      const started = performance.now();
      let res: Awaited<ReturnType<FastifyInstance["inject"]>>;
      if (c.kind === "report") {
        const signed = JSON.parse(
          JSON.stringify(signReport(base, agent.keys.privateKeyPem, agent.agentId)),
        ) as Record<string, unknown>;
        for (const m of c.mutations) applyMutation(signed, m);
        const body = (c.resign ? trySign(signed, agent) : undefined) ?? JSON.stringify(signed);
        res = await app.inject({
          method: "POST",
          url: "/v1/reports",
          headers: { ...auth, "content-type": "application/json" },
          payload: body,
        });
      } else if (c.kind === "bytes") {
        const text = canonicalJson(signReport(base, agent.keys.privateKeyPem, agent.agentId));
        res = await app.inject({
          method: "POST",
          url: "/v1/reports",
          headers: { ...auth, ...(c.contentType ? { "content-type": c.contentType } : {}) },
          payload: applyBytes(text, c.edits),
        });
      } else if (c.kind === "query") {
        const qs = [
          ...c.params.map(([k, v]) => `${encodeURIComponent(safe(k))}=${encodeURIComponent(safe(v))}`),
          ...(c.raw ? [c.raw] : []),
        ].join("&");
        const token = c.route === "/v1/agents" || c.route === "/v1/alerts" ? admin : auditor;
        res = await app.inject({
          method: "GET",
          url: `${c.route}${qs ? `?${qs}` : ""}`,
          headers: { authorization: `Bearer ${token}` },
        });
      } else {
        const token = c.url === "/v1/tokens" ? admin : agent.token;
        res = await app.inject({
          method: "POST",
          url: c.url,
          headers: {
            ...(c.url === "/v1/enrol" ? {} : { authorization: `Bearer ${token}` }),
            ...(c.contentType ? { "content-type": c.contentType } : {}),
          },
          payload: c.body,
        });
      }
      const elapsed = performance.now() - started;
      if (elapsed > slowest) {
        slowest = elapsed;
        slowestCase = c.kind === "query" ? c.route : c.kind === "body" ? c.url : c.kind;
      }
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(
        res.statusCode >= 500 || res.statusCode < 200 || (res.statusCode >= 300 && res.statusCode < 400),
        `${res.statusCode} ${res.body.slice(0, 500)}`,
      ).toBe(false);
      expect(elapsed, "reply time (ms)").toBeLessThan(SLOW_MS);
    };
    await fc.assert(fc.asyncProperty(anyCase, send), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    const verified = await verifyLedger(app.assay.store.db);
    expect(verified.ok, JSON.stringify(verified)).toBe(true);
    // The suite must reach the ledger, not only bounce off the front door.
    expect(verified.reportsChecked).toBeGreaterThan(RUNS / 50);
    console.info(
      `fuzz ${database.name}: ${RUNS} cases, statuses ${JSON.stringify(Object.fromEntries(statuses))}, slowest ${Math.round(slowest)} ms (${slowestCase}), ${verified.reportsChecked} reports verified`,
    );
  }, 240_000);
});

/** encodeURIComponent throws on a lone surrogate; a client would send U+FFFD's bytes or raw escapes. */
function safe(s: string): string {
  return s.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");
}
