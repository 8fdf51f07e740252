import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/core/report.js";
import { signReport } from "../../src/core/signing.js";
import { jsonPathAt } from "../../src/store/input-rules.js";
import { verifyLedger } from "../../src/store/verify.js";
import {
  databases,
  ENROLMENT_SECRET,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  signedDeepBody,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

/*
 * Issue 10, item 2: input the store cannot keep faithfully is refused with a 400 naming the field, on
 * both databases, and nothing is stored; what is accepted re-verifies.
 */

const ONE = [{ ruleId: "DEV-ENC-001", resourceUid: "dev-1", status: "pass" as const }];

/** A report edited before signing, so the refusal is about the edit, not the signature. */
function signedWith(agent: TestAgent, edit: (r: ScanReport) => void): ScanReport {
  const { signature: _unused, ...report } = signedReport(agent, ONE);
  edit(report);
  return signReport(report, agent.keys.privateKeyPem, agent.agentId);
}

function postRaw(app: FastifyInstance, url: string, body: string | Buffer, headers: Record<string, string>) {
  return app.inject({ method: "POST", url, payload: body, headers });
}

describe.each(databases())("input the store cannot keep faithfully, on $name", (database) => {
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let auditor: string;

  beforeAll(async () => {
    tdb = await freshDatabase(database);
    app = await testApp(tdb.options, { ingestWorkers: 1 });
    agent = await enrolAgent(app);
    auditor = await personToken(app, "auditor");
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  const ledgerSize = async () =>
    Number(
      (
        await app.assay.store.db
          .selectFrom("ledger")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.each([
    [
      "NUL in a finding message",
      (r: ScanReport) => {
        r.findings[0]!.message = "bad\u0000byte";
      },
      "findings.0.message",
    ],
    [
      "NUL in a resource uid",
      (r: ScanReport) => {
        r.resources[0]!.uid = "dev\u00001";
        r.findings[0]!.resourceUid = "dev\u00001";
      },
      "resources.0.uid",
    ],
    [
      "a lone high surrogate (truncated emoji) in the hostname",
      (r: ScanReport) => {
        r.agent.hostname = "DESKTOP-\uD83D";
      },
      "agent.hostname",
    ],
    [
      "a lone low surrogate",
      (r: ScanReport) => {
        r.findings[0]!.message = "x\uDE00y";
      },
      "findings.0.message",
    ],
    [
      "a bell character",
      (r: ScanReport) => {
        r.findings[0]!.policy = "enc\u0007";
      },
      "findings.0.policy",
    ],
    [
      "an escape in a member name",
      (r: ScanReport) => {
        r.resources[0]!.tags["k\u001b[31m"] = "v";
      },
      "resources.0.tags.k\u001b[31m",
    ],
  ])("%s -> 400 naming the field, nothing stored", async (_what, edit, field) => {
    const before = await ledgerSize();
    const res = await postReport(app, agent, signedWith(agent, edit));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: "STORE_UNSTORABLE_TEXT", field });
    expect(await ledgerSize()).toBe(before);
  });

  it("refuses DEL and C1 control characters too", async () => {
    for (const bad of ["a\u007fb", "a\u0085b", "a\u009fb"]) {
      const res = await postReport(
        app,
        agent,
        signedWith(agent, (r) => {
          r.findings[0]!.message = bad;
        }),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe("findings.0.message");
    }
  });

  it("keeps tab, line feed, carriage return and paired surrogates, and they re-verify", async () => {
    const report = signedWith(agent, (r) => {
      // Backslashes before b, f, u00 are text, not escapes of control characters.
      r.findings[0]!.message = "line one\r\n\tline two 😀 \u2028 \uFEFF C:\\bin\\fonts \\u0000 \\\\b";
    });
    const res = await postReport(app, agent, report);
    expect(res.statusCode, res.body).toBe(201);
    expect((await verifyLedger(app.assay.store.db)).ok).toBe(true);
  });

  it("refuses bytes that are not UTF-8 with 400 naming the field", async () => {
    const report = signedWith(agent, (r) => {
      r.findings[0]!.message = "XXXX";
    });
    const text = Buffer.from(JSON.stringify(report));
    const at = text.indexOf("XXXX");
    text[at] = 0xc3; // a lead byte followed by "(" is not UTF-8
    text[at + 1] = 0x28;
    const before = await ledgerSize();
    const res = await postRaw(app, "/v1/reports", text, {
      authorization: `Bearer ${agent.token}`,
      "content-type": "application/json",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "STORE_INVALID_UTF8", field: "findings.0.message" });
    const enrol = await postRaw(
      app,
      "/v1/enrol",
      Buffer.concat([Buffer.from('{"hostname":"a'), Buffer.from([0xff]), Buffer.from('"}')]),
      { "content-type": "application/json" },
    );
    expect(enrol.statusCode).toBe(400);
    expect(enrol.json().error).toMatchObject({ code: "STORE_INVALID_UTF8", field: "hostname" });
    expect(await ledgerSize()).toBe(before);
  });

  it("refuses times outside 2000-01-01 .. now + 1 day, and a finish before the start", async () => {
    const cases: [(r: ScanReport) => void, string, string][] = [
      [
        (r) => {
          r.startedAt = "0001-01-01T00:00:00Z";
        },
        "startedAt",
        "STORE_TIMESTAMP_OUT_OF_RANGE",
      ],
      [
        (r) => {
          r.finishedAt = "9999-12-31T23:59:59Z";
        },
        "finishedAt",
        "STORE_TIMESTAMP_OUT_OF_RANGE",
      ],
      [
        (r) => {
          r.startedAt = "1999-12-31T23:59:59Z";
        },
        "startedAt",
        "STORE_TIMESTAMP_OUT_OF_RANGE",
      ],
      [
        (r) => {
          r.resources[0]!.collectedAt = new Date(Date.now() + 25 * 3600_000).toISOString();
        },
        "resources.0.collectedAt",
        "STORE_TIMESTAMP_OUT_OF_RANGE",
      ],
      [
        (r) => {
          r.startedAt = r.finishedAt;
          r.finishedAt = new Date(Date.parse(r.finishedAt) - 1000).toISOString();
        },
        "finishedAt",
        "STORE_TIMESTAMP_ORDER",
      ],
    ];
    const before = await ledgerSize();
    for (const [edit, field, code] of cases) {
      const res = await postReport(app, agent, signedWith(agent, edit));
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error).toMatchObject({ code, field });
    }
    expect(await ledgerSize()).toBe(before);
    // A device clock a few hours ahead is still accepted.
    const ahead = signedWith(agent, (r) => {
      r.finishedAt = new Date(Date.now() + 3 * 3600_000).toISOString();
      r.resources[0]!.collectedAt = r.finishedAt;
    });
    expect((await postReport(app, agent, ahead)).statusCode).toBe(201);
  });

  it("answers 415 to a body that is not application/json on reports, heartbeat and enrol", async () => {
    const report = JSON.stringify(signedReport(agent, ONE));
    const auth = { authorization: `Bearer ${agent.token}` };
    for (const [url, body, headers] of [
      ["/v1/reports", report, auth],
      ["/v1/heartbeat", '{"version":"1"}', auth],
      ["/v1/enrol", JSON.stringify({ enrolmentSecret: ENROLMENT_SECRET }), {}],
    ] as const) {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/octet-stream"]) {
        const res = await postRaw(app, url, body, { ...headers, "content-type": type });
        expect(res.statusCode, `${url} ${type}`).toBe(415);
        expect(res.json().error.code).toBe("STORE_UNSUPPORTED_MEDIA_TYPE");
      }
    }
  });

  it("refuses a private key sent as the enrolment public key and never stores it", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const res = await app.inject({
      method: "POST",
      url: "/v1/enrol",
      payload: { enrolmentSecret: ENROLMENT_SECRET, hostname: "h", platform: "linux", publicKeyPem: pem },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "STORE_BAD_PUBLIC_KEY", field: "publicKeyPem" });
    const rows = await app.assay.store.db.selectFrom("agents").select("public_key_pem").execute();
    expect(rows.some((r) => r.public_key_pem.includes("PRIVATE"))).toBe(false);
  });

  it("refuses control characters in enrolment, heartbeat and query strings with 400 naming the field", async () => {
    const enrol = await app.inject({
      method: "POST",
      url: "/v1/enrol",
      payload: {
        enrolmentSecret: ENROLMENT_SECRET,
        hostname: "h\u0000",
        platform: "linux",
        publicKeyPem: agent.keys.publicKeyPem,
      },
    });
    expect(enrol.statusCode).toBe(400);
    expect(enrol.json().error).toMatchObject({ code: "STORE_BAD_REQUEST", field: "hostname" });
    expect(enrol.json().error.message).toMatch(/control character U\+0000/);
    const beat = await app.inject({
      method: "POST",
      url: "/v1/heartbeat",
      headers: { authorization: `Bearer ${agent.token}` },
      payload: { version: "1\uD800" },
    });
    expect(beat.statusCode).toBe(400);
    expect(beat.json().error.field).toBe("version");
    for (const url of ["/v1/evidence?control=%00", "/v1/drift?rule=a%07b"]) {
      const res = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${auditor}` } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe("STORE_BAD_REQUEST");
    }
  });

  it("keeps everything it accepted verifiable", async () => {
    const result = await verifyLedger(app.assay.store.db);
    expect(result.ok, JSON.stringify(result)).toBe(true);
  });
});

describe.each(databases())("JSON nested too deep, on $name", (database) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await freshDatabase(database);
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  // undefined = the default pool size (one worker per core beyond the first, at most 4).
  it.each([0, 1, undefined])(
    "a signed report 5,000 deep gets 400 within 100 ms (ingestWorkers %s)",
    async (workers) => {
      const app = await testApp(tdb.options, workers === undefined ? {} : { ingestWorkers: workers });
      try {
        const agent = await enrolAgent(app);
        const body = signedDeepBody(agent, 5000);
        const headers = { authorization: `Bearer ${agent.token}`, "content-type": "application/json" };
        // Warm the route (first-request compilation) so the timing is the check's own.
        // Each app's agent reports its own device (a resource belongs to the first agent that reports it).
        const own = [{ ...ONE[0]!, resourceUid: `device:${agent.agentId}` }];
        await postRaw(app, "/v1/reports", JSON.stringify(signedReport(agent, own)), headers);
        const started = performance.now();
        const res = await postRaw(app, "/v1/reports", body, headers);
        const elapsed = performance.now() - started;
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error.code).toBe("STORE_JSON_TOO_DEEP");
        expect(res.json().error.field).toMatch(/^findings\.0\.evidence\.deep\.value(\.a)+$/);
        expect(elapsed).toBeLessThan(100);
        // The value sits 5 levels down (report, findings, finding, evidence, deep): 64 in all is accepted,
        // 65 is not.
        const ok = await postRaw(app, "/v1/reports", signedDeepBody(agent, 59), headers);
        expect(ok.statusCode, ok.body).toBe(201);
        expect((await postRaw(app, "/v1/reports", signedDeepBody(agent, 60), headers)).statusCode).toBe(400);
        // Far deeper than any stack: parsing does not recurse, and the first walk stops at the limit.
        const abyss = await postRaw(app, "/v1/reports", signedDeepBody(agent, 200_000), headers);
        expect(abyss.statusCode, abyss.body).toBe(400);
        expect(abyss.json().error.code).toBe("STORE_JSON_TOO_DEEP");
        const enrol = await postRaw(app, "/v1/enrol", `${"[".repeat(5000)}${"]".repeat(5000)}`, {
          "content-type": "application/json",
        });
        expect(enrol.statusCode).toBe(400);
        expect(enrol.json().error.code).toBe("STORE_JSON_TOO_DEEP");
        expect((await verifyLedger(app.assay.store.db)).ok).toBe(true);
      } finally {
        await app.close();
      }
    },
  );
});

describe("jsonPathAt names the field being written at the end of a JSON prefix", () => {
  it.each([
    ['{"a":{"b":[1,2,{"c":"x', "a.b.2.c"],
    ['{"a":1,"b":"', "b"],
    ['{"a\\"q":[[', 'a"q.0.0'],
    ['{"k":"v, w","m":{"n', "m.n"],
    ["", ""],
  ])("%s -> %s", (prefix, path) => {
    expect(jsonPathAt(prefix)).toBe(path);
  });
});
