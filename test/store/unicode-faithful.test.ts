import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/canonical.js";
import type { ScanReport } from "../../src/core/report.js";
import { signReport } from "../../src/core/signing.js";
import { verifyLedger } from "../../src/store/verify.js";
import {
  databases,
  enrolAgent,
  freshDatabase,
  postReport,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

/*
 * Issue 10, item 2: everything the store accepts verifies later byte for byte. Property: a signed report
 * whose strings are drawn from Unicode edge cases is accepted exactly when it holds no unstorable
 * character (control characters other than tab/LF/CR, lone surrogates), and what was accepted comes back
 * from the database identical (report body and exported finding rows) and passes `verify`.
 */

const SEED = 20261205;

/** Pieces real machines produce that break naive storage: astral, combining, RTL, BOM, separators. */
const EDGE_PIECES = [
  "😀",
  "👩‍👩‍👧‍👦", // ZWJ sequence
  "🇬🇧",
  "𝔸𝕤𝕤𝕒𝕪",
  "\u{10FFFF}",
  "\u{E0001}", // language tag
  "e\u0301",
  "Z\u0335\u0321\u0316a\u0337\u0322l\u0334go",
  "مرحبا",
  "שלום",
  "\u202Egnp.exe", // right-to-left override
  "\u200F\u200E\u061C",
  "\uFEFF",
  "\u2028",
  "\u2029",
  "\u200B\u200C\u200D",
  "\uFFFD",
  "\uFFFE\uFFFF",
  "\t",
  "\n",
  "\r\n",
  '"',
  "\\",
  "\\u0000", // the six characters, not NUL
  "C:\\bin\\fonts\\", // backslashes before b and f are text, not escapes
  "DESKTOP-ÅÄÖ",
  "ｆｕｌｌ",
  "𠜎𠜱",
  "",
];
/** Characters no report may carry: the store refuses them rather than store something else. */
const UNSTORABLE_PIECES = [
  "\u0000",
  "\u0001",
  "\u0007",
  "\u001B",
  "\u007F",
  "\u0085",
  "\uD83D",
  "\uDE00",
  "x\uDBFFy",
];

const storable = fc.array(fc.constantFrom(...EDGE_PIECES), { maxLength: 6 }).map((parts) => parts.join(""));
const anyText = fc.oneof(
  { weight: 5, arbitrary: storable },
  // Long strings: the store keeps 40-80 KB of message as faithfully as 10 characters.
  { weight: 1, arbitrary: fc.constantFrom("😀", "e\u0301", "\u2028", "a").map((c) => c.repeat(20_000)) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
);
/** Sometimes one slot gets an unstorable piece, or arbitrary code points (which may hold one). */
const spoiler = fc.option(
  fc.record({
    slot: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(...UNSTORABLE_PIECES),
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.string({
        unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
        minLength: 1,
        maxLength: 3,
      }),
    ),
  }),
  { freq: 3 },
);

const SLOTS = [
  "hostname",
  "message",
  "uid",
  "name",
  "tagKey",
  "tagValue",
  "evidenceKey",
  "evidenceValue",
  "ruleTitle",
  "remediation",
] as const;
type Slot = (typeof SLOTS)[number];

// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters the store must refuse
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/u;

function withText(agent: TestAgent, texts: Record<Slot, string>): ScanReport {
  const { signature: _unused, ...r } = signedReport(agent, [
    { ruleId: "DEV-ENC-001", resourceUid: "dev-1", status: "fail" },
  ]);
  const uid = `dev-${texts.uid}`;
  r.agent.hostname = texts.hostname;
  r.resources[0]!.uid = uid;
  r.resources[0]!.name = texts.name;
  r.resources[0]!.tags = { [`k${texts.tagKey}`]: texts.tagValue };
  r.findings[0]!.resourceUid = uid;
  r.findings[0]!.message = texts.message;
  r.findings[0]!.evidence = { [`e${texts.evidenceKey}`]: { value: texts.evidenceValue, source: texts.name } };
  r.rules[0]!.title = texts.ruleTitle;
  r.rules[0]!.remediation = texts.remediation;
  return signReport(r, agent.keys.privateKeyPem, agent.agentId);
}

describe.each(databases())("signed reports with Unicode edge cases on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { maxReportBytes: 4 * 1024 * 1024 });
    agent = await enrolAgent(app);
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it("accepts exactly the storable ones, stores them byte for byte, and verify passes", async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(Object.fromEntries(SLOTS.map((s) => [s, anyText])) as Record<Slot, fc.Arbitrary<string>>),
        spoiler,
        async (generated, spoil) => {
          const texts = { ...generated };
          if (spoil) {
            const slot = SLOTS[spoil.slot % SLOTS.length]!;
            texts[slot] = `${texts[slot]}${spoil.text}`;
          }
          const report = withText(agent, texts);
          const bad = Object.values(texts).some((t) => UNSTORABLE.test(t));
          const res = await postReport(app, agent, report);
          if (bad) {
            expect(res.statusCode, res.body).toBe(400);
            expect(res.json().error.code).toBe("STORE_UNSTORABLE_TEXT");
            refused++;
            return;
          }
          expect(res.statusCode, res.body).toBe(201);
          accepted++;
          const db = app.assay.store.db;
          const row = await db
            .selectFrom("reports")
            .select("body")
            .where("id", "=", report.id)
            .executeTakeFirstOrThrow();
          expect(row.body === canonicalJson(report)).toBe(true);
          const finding = await db
            .selectFrom("findings")
            .select(["message", "resource_uid", "evidence"])
            .where("report_id", "=", report.id)
            .executeTakeFirstOrThrow();
          expect(finding.message === texts.message).toBe(true);
          expect(finding.resource_uid === report.findings[0]!.resourceUid).toBe(true);
          expect(JSON.parse(finding.evidence)).toEqual(report.findings[0]!.evidence);
        },
      ),
      { seed: SEED, numRuns: 120, endOnFailure: true },
    );
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(20);
    const verified = await verifyLedger(app.assay.store.db);
    expect(verified.ok, JSON.stringify(verified)).toBe(true);
    // At least: verify may also check signed records other than reports.
    expect(verified.signaturesChecked).toBeGreaterThanOrEqual(accepted);
  });
});
