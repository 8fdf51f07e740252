import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningKeyPair } from "../../src/core/signing.js";
import {
  databases,
  ENROLMENT_SECRET,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  realisticFindings,
  signedReport,
  type TestDatabase,
  testApp,
} from "./fixtures.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe.each(databases())("store trust on $name", (database) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await freshDatabase(database);
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("revocation on one store process is refused by another sharing the database on the very next request", async () => {
    const one = await testApp(tdb.options);
    const two = await testApp(tdb.options);
    try {
      const agent = await enrolAgent(one, undefined, "revoked-host");
      const admin = await personToken(one, "admin");
      // The second process has just served this agent, so anything it kept about it is warm.
      expect((await postReport(two, agent, signedReport(agent, realisticFindings("rv-a")))).statusCode).toBe(
        201,
      );
      const revoke = await one.inject({
        method: "DELETE",
        url: `/v1/agents/${agent.agentId}`,
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(revoke.statusCode).toBe(204);
      const next = await postReport(two, agent, signedReport(agent, realisticFindings("rv-b")));
      expect(next.statusCode).toBe(401);
      expect(next.json().error.code).toBe("STORE_BAD_TOKEN");
      const beat = await two.inject({
        method: "POST",
        url: "/v1/heartbeat",
        headers: { authorization: `Bearer ${agent.token}` },
        payload: {},
      });
      expect(beat.statusCode).toBe(401);
      const entry = await one.assay.store.db
        .selectFrom("ledger")
        .select("kind")
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirstOrThrow();
      expect(entry.kind).toBe("agent-revoked");
    } finally {
      await one.close();
      await two.close();
    }
  });

  describe("enrolment rate limits", () => {
    let app: FastifyInstance;
    const lines: string[] = [];
    const enrol = (secret: string, ip = "198.51.100.7") =>
      app.inject({
        method: "POST",
        url: "/v1/enrol",
        remoteAddress: ip,
        payload: {
          enrolmentSecret: secret,
          hostname: "h",
          platform: "linux",
          publicKeyPem: generateSigningKeyPair().publicKeyPem,
        },
      });
    beforeAll(async () => {
      app = await testApp(
        tdb.options,
        {
          logLevel: "info",
          enrolment: {
            maxFailuresPerAddress: 3,
            failureWindowSeconds: 600,
            perAddressPerSecond: 0.01,
            perAddressBurst: 5,
            overallPerSecond: 0.01,
            overallBurst: 9,
          },
        },
        { logStream: { write: (line: string) => lines.push(line) } },
      );
    });
    afterAll(async () => {
      await app?.close();
    });

    it("refuses an address after repeated wrong secrets with 429 and Retry-After, even with the right secret", async () => {
      const wrong = "wrong-secret-do-not-log-0123456789";
      for (let i = 0; i < 3; i++) expect((await enrol(wrong)).statusCode).toBe(401);
      const limited = await enrol(ENROLMENT_SECRET);
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe("STORE_ENROLMENT_RATE_LIMITED");
      expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
      expect(Number(limited.headers["retry-after"])).toBeLessThanOrEqual(600);
      // Another address is unaffected.
      expect((await enrol(ENROLMENT_SECRET, "203.0.113.9")).statusCode).toBe(201);
      // Failed attempts are logged with where they came from, never with the secret sent.
      const refused = lines.filter((l) => l.includes("wrong enrolment secret"));
      expect(refused).toHaveLength(3);
      expect(refused[0]).toContain("198.51.100.7");
      expect(lines.join("\n")).not.toContain(wrong);
      expect(lines.join("\n")).not.toContain(ENROLMENT_SECRET);
    });

    it("limits attempts per address and overall, and counts every outcome in /metrics", async () => {
      for (let i = 0; i < 5; i++)
        expect((await enrol(ENROLMENT_SECRET, "203.0.113.10")).statusCode).toBe(201);
      const perAddress = await enrol(ENROLMENT_SECRET, "203.0.113.10");
      expect(perAddress.statusCode).toBe(429);
      expect(perAddress.json().error.message).toContain("from this address");
      // 9 attempts overall have now been let through (3 + 1 + 5): every address is over the limit.
      const overall = await enrol(ENROLMENT_SECRET, "192.0.2.44");
      expect(overall.statusCode).toBe(429);
      expect(overall.json().error.message).toContain("from all addresses");
      expect(Number(overall.headers["retry-after"])).toBeGreaterThan(0);
      const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toContain('assay_store_enrolments_total{outcome="bad_secret"} 3');
      expect(metrics).toContain('assay_store_enrolments_total{outcome="enrolled"} 6');
      expect(metrics).toContain('assay_store_enrolments_total{outcome="rate_limited"} 3');
    });
  });

  it("refuses control characters in read filters with 400 naming the parameter", async () => {
    const app = await testApp(tdb.options);
    try {
      const auditor = await personToken(app, "auditor");
      for (const url of [
        "/v1/evidence?control=%00",
        "/v1/evidence?control=iso27001-2022:A.8.24%0A",
        "/v1/drift?resource=web%0001",
        "/v1/assets?type=%1B[31m",
        "/v1/drift?agent=agent%7F",
      ]) {
        const res = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${auditor}` } });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
        expect(res.json().error.code).toBe("STORE_BAD_REQUEST");
        expect(res.json().error.field).toMatch(/^(control|resource|type|agent)$/);
      }
    } finally {
      await app.close();
    }
  });
});

describe("SQLite data files", () => {
  it("are created 0600 in a 0700 folder, WAL and SHM included, and an existing loose folder is tightened", async () => {
    const parent = mkdtempSync(join(tmpdir(), "assay-store-modes-"));
    try {
      const dataDir = join(parent, "data");
      mkdirSync(dataDir);
      chmodSync(dataDir, 0o755);
      const app = await testApp({ dataDir });
      try {
        const agent = await enrolAgent(app);
        expect(
          (await postReport(app, agent, signedReport(agent, realisticFindings("modes")))).statusCode,
        ).toBe(201);
        const file = join(dataDir, "assay-store.sqlite");
        expect(mode(dataDir)).toBe(0o700);
        expect(mode(file)).toBe(0o600);
        expect(existsSync(`${file}-wal`)).toBe(true);
        expect(mode(`${file}-wal`)).toBe(0o600);
        expect(mode(`${file}-shm`)).toBe(0o600);
      } finally {
        await app.close();
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
