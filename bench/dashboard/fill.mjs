// Fills a store database with a fleet for the dashboard bench: 10,000 devices (one agent each, in groups),
// 1,000 cloud resources (10 scanner agents), 5 M finding rows over the last 90 days, the current state and
// drift events the store's own diff computes from them, assets with inventory, and a few exceptions.
//
// Rows go in with bulk inserts (HTTP ingest would take hours), but they are the rows ingest writes: the same
// column lists (ingest.ts REPORT_COLUMNS, FINDING_COLUMNS, ASSET_COLUMNS), `encodeControls`, `assetInventory`,
// `diffState` (current state and drift events), `failingSinceOf` (each finding's failing_since), `countByDay` (the daily_results rollup) and `entryHash` (the
// ledger chain). What is NOT generated: the
// signed report bodies (`reports.body` is NULL, so `assay store verify` does not pass on this store), the
// identity ledger records of the agents and checkpoints (the Merkle tree is built by the store's backfill). `--verify-sample` posts a few real
// signed reports through the app afterwards and checks that the rows they produce have the generated shape.
//
// Usage: npm run build && node bench/dashboard/fill.mjs --data-dir DIR [--database-url postgres://…]
//          [--devices 10000] [--cloud 1000] [--findings 5000000] [--verify-sample]
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { CompiledQuery } from "kysely";
import { ulid } from "ulid";
import { buildApp } from "../../dist/store/app.js";
import { addDailyResults, countByDay } from "../../dist/store/daily-results.js";
import { insertRows } from "../../dist/store/db/raw-insert.js";
import { diffState, encodeControls, failingSinceOf, pairKey } from "../../dist/store/drift.js";
import { ASSET_COLUMNS, FINDING_COLUMNS, REPORT_COLUMNS } from "../../dist/store/ingest.js";
import { assetInventory } from "../../dist/store/inventory.js";
import { entryHash, GENESIS_HASH } from "../../dist/store/ledger.js";
import { backfillTree } from "../../dist/store/tree.js";
import { verifySample } from "./sample.mjs";

const { values: opt } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    devices: { type: "string", default: "10000" },
    cloud: { type: "string", default: "1000" },
    findings: { type: "string", default: "5000000" },
    "verify-sample": { type: "boolean", default: false },
  },
});
if (!opt["data-dir"]) {
  console.error("fill.mjs: --data-dir is required (the store's data directory; the SQLite file goes there)");
  process.exit(2);
}
const DEVICES = Number(opt.devices);
const CLOUD = Number(opt.cloud);
const TARGET = Number(opt.findings);
const DAY = 86_400_000;
const NOW = Date.now();
const START = NOW - 90 * DAY;

const GROUPS = ["laptops", "servers", "finance", "engineering", "support", "executives"];
const POLICIES = [
  ["encryption", ["iso27001-2022:A.8.24", "cyber-essentials:secure-configuration"]],
  ["patching", ["iso27001-2022:A.8.8", "cyber-essentials:patch-management"]],
  ["remote-access", ["iso27001-2022:A.8.20"]],
  ["password", ["iso27001-2022:A.5.17", "cyber-essentials:user-access-control"]],
  ["access-control", ["iso27001-2022:A.8.2"]],
  ["malware", ["iso27001-2022:A.8.7", "cyber-essentials:malware-protection"]],
  ["removable-media", ["iso27001-2022:A.7.10"]],
  ["clear-screen", ["iso27001-2022:A.7.7"]],
  ["time-sync", ["iso27001-2022:A.8.17"]],
  ["backup", ["iso27001-2022:A.8.13", "gdpr-art32:32.1.c"]],
];
const SEVERITIES = ["critical", "high", "medium", "low"];
const DEVICE_RULES = Array.from({ length: 20 }, (_, i) => {
  const [policy, controls] = POLICIES[i % POLICIES.length];
  return {
    id: `DEV-${policy.slice(0, 3).toUpperCase()}-${String(i + 1).padStart(3, "0")}`,
    policy,
    controls,
  };
});
const CLOUD_RULES = Array.from({ length: 5 }, (_, i) => {
  const [policy, controls] = POLICIES[(i * 3) % POLICIES.length];
  return { id: `AWS-S3-${String(i + 1).padStart(3, "0")}`, policy, controls };
});
const SCANNERS = 10;
// Rounds: how many reports each device sends over the 90 days so that the findings reach at least the target.
const cloudPerRound = CLOUD * CLOUD_RULES.length;
const devicePerRound = DEVICES * DEVICE_RULES.length;
const ROUNDS = Math.max(1, Math.ceil(TARGET / (devicePerRound + cloudPerRound)));

/** A stable pseudo-random number in [0, 1) from integers (no state: re-runs generate the same fleet). */
function rand(...xs) {
  let h = 2166136261;
  for (const x of xs) {
    h ^= x;
    h = Math.imul(h, 16777619);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
  }
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/** Most pairs keep their status for weeks; about 6 % are failing at any time, and some flip now and then. */
function statusOf(resource, rule, round) {
  const epoch = Math.floor((round + Math.floor(rand(resource, rule, 7) * 8)) / 8);
  const r = rand(resource, rule, epoch);
  if (r < 0.005) return "error";
  if (r < 0.065) return "fail";
  if (rand(resource, rule, 3) < 0.05) return "skip";
  return "pass";
}

const hex = (n) => n.toString(16).padStart(12, "0");
const deviceUid = (d) => `device:4c4c4544-0042-3510-8052-${hex(d)}`;
const bucketUid = (c) => `arn:aws:s3:::assay-bench-bucket-${String(c).padStart(4, "0")}`;
const MODELS = [
  ["Dell Inc.", "Latitude 5430"],
  ["LENOVO", "20XW0055UK"],
  ["Apple Inc.", "MacBookPro18,1"],
  ["HP", "HP EliteBook 840 G8"],
];
const OSES = [
  { platform: "linux", distro: "Debian GNU/Linux", release: "12", kernel: "6.1.0-26-amd64", arch: "x64" },
  { platform: "linux", distro: "Ubuntu", release: "22.04", kernel: "5.15.0-119-generic", arch: "x64" },
  { platform: "darwin", distro: "macOS", release: "14.6.1", kernel: "23.6.0", arch: "arm64" },
  {
    platform: "win32",
    distro: "Microsoft Windows 11 Pro",
    release: "10.0.22631",
    kernel: "10.0.22631",
    arch: "x64",
  },
];

function deviceResource(d) {
  const [manufacturer, model] = MODELS[d % MODELS.length];
  // A tenth of the fleet runs without root on Linux: no serial, as the hardware probe reports it.
  const hardware =
    d % 10 === 3
      ? { manufacturer, model }
      : { manufacturer, model, serial: `SN${hex(d * 7919).toUpperCase()}` };
  return {
    uid: deviceUid(d),
    type: "device",
    provider: "device",
    name: `host-${String(d).padStart(5, "0")}`,
    attributes: { os: OSES[d % OSES.length], hardware },
  };
}

function finding(resource, rule, r, round, resourceType) {
  const status = statusOf(resource, r, round);
  return {
    ruleId: rule.id,
    resourceUid: resourceType === "device" ? deviceUid(resource) : bucketUid(resource),
    resourceType,
    status,
    severity: SEVERITIES[r % SEVERITIES.length],
    policy: rule.policy,
    controls: rule.controls,
    message:
      status === "pass"
        ? `${rule.id}: the control holds.`
        : status === "error"
          ? `${rule.id}: could not be evaluated: fact unreadable (permission denied).`
          : `${rule.id}: the control does not hold on this resource.`,
    evidence: { facts: { [rule.policy]: status === "pass" } },
  };
}

const t0 = performance.now();
mkdirSync(opt["data-dir"], { recursive: true });
const app = await buildApp({
  dataDir: opt["data-dir"],
  databaseUrl: opt["database-url"],
  enrolmentSecret: "bench-enrolment-secret-0123456789",
  logLevel: "warn",
  backgroundJobs: false,
});
const { db, dialect } = app.assay.store;
const existing = await db
  .selectFrom("findings")
  .select((eb) => eb.fn.countAll().as("n"))
  .executeTakeFirst();
if (Number(existing?.n ?? 0) > 0) {
  console.error("fill.mjs: the database already holds findings; give an empty store");
  await app.close();
  process.exit(2);
}

// Agents: one per device, in groups; 2 % silent for a week; 10 cloud scanners with the bench account.
const key = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" });
const agents = [];
for (let d = 0; d < DEVICES; d++) {
  const silent = d % 50 === 17;
  const lastSeen = new Date(silent ? NOW - 7 * DAY : NOW - (d % 3600) * 1000).toISOString();
  agents.push({
    id: ulid(START + d),
    hostname: `host-${String(d).padStart(5, "0")}`,
    platform: OSES[d % OSES.length].platform,
    group_name: GROUPS[d % GROUPS.length],
    public_key_pem: key,
    token_hash: createHash("sha256").update(`bench-token-${d}`).digest("hex"),
    version: `0.${9 + (d % 3)}.0`,
    enrolled_at: new Date(START - DAY).toISOString(),
    last_seen_at: lastSeen,
    silent_since: silent ? new Date(NOW - 6 * DAY).toISOString() : null,
    revoked_at: null,
    scopes: "[]",
  });
}
for (let s = 0; s < SCANNERS; s++)
  agents.push({
    id: ulid(START + DEVICES + s),
    hostname: `scanner-${s}`,
    platform: "linux",
    group_name: "cloud",
    public_key_pem: key,
    token_hash: createHash("sha256").update(`bench-scanner-${s}`).digest("hex"),
    version: "0.11.0",
    enrolled_at: new Date(START - DAY).toISOString(),
    last_seen_at: new Date(NOW - 600_000).toISOString(),
    silent_since: null,
    revoked_at: null,
    scopes: '["aws:123456789012"]',
  });
const AGENT_COLUMNS = Object.keys(agents[0]);
await db.transaction().execute(async (trx) => {
  await insertRows(
    trx,
    dialect,
    "agents",
    AGENT_COLUMNS,
    agents.map((a) => AGENT_COLUMNS.map((c) => a[c])),
    500,
  );
});

// Reports in time order: each round every device reports once (spread over the round), then the scanners.
const working = new Map();
const pairsByAgent = new Map();
const assets = new Map();
const owners = new Map();
let seq = 0;
let prevHash = GENESIS_HASH;
let findingRows = 0;
let driftRows = 0;
const roundMs = (90 * DAY) / ROUNDS;
const batch = { reports: [], ledger: [], findings: [], drift: [] };

async function flush() {
  if (batch.reports.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await insertRows(
      trx,
      dialect,
      "ledger",
      ["seq", "kind", "ref", "content_hash", "prev_hash", "entry_hash", "appended_at"],
      batch.ledger,
      500,
    );
    await insertRows(trx, dialect, "reports", REPORT_COLUMNS, batch.reports, 500);
    await insertRows(trx, dialect, "findings", FINDING_COLUMNS, batch.findings, 500);
    // The Overview chart's rollup, added per batch as ingest does (observed_at, status).
    await addDailyResults(trx, dialect, countByDay(batch.findings.map((f) => [f[3], f[7]])));
    await insertRows(
      trx,
      dialect,
      "drift_events",
      [
        "at",
        "type",
        "agent_id",
        "resource_uid",
        "rule_id",
        "from_status",
        "to_status",
        "severity",
        "policy",
        "controls",
        "message",
        "report_id",
        "ledger_seq",
      ],
      batch.drift,
      500,
    );
  });
  findingRows += batch.findings.length;
  driftRows += batch.drift.length;
  batch.reports = [];
  batch.ledger = [];
  batch.findings = [];
  batch.drift = [];
}

async function report(agentId, time, resources, findings, rules) {
  const at = Math.floor(time); // ulid and Date want whole milliseconds; rounds are not a whole number of them
  const iso = new Date(at).toISOString();
  const id = ulid(at);
  seq += 1;
  const entry = {
    seq,
    kind: "report",
    ref: id,
    // The hash of the report as signed; no body is generated, so it hashes the report's id and time.
    content_hash: createHash("sha256").update(`${id} ${iso}`).digest("hex"),
    prev_hash: prevHash,
    appended_at: iso,
  };
  const hash = entryHash(entry);
  prevHash = hash;
  batch.ledger.push([seq, "report", id, entry.content_hash, entry.prev_hash, hash, iso]);
  batch.reports.push([id, agentId, seq, iso, new Date(at - 4000).toISOString(), iso, null, null]);
  // Each row's failing-since from the state before this report, as ingest writes it.
  const failingSince = failingSinceOf(working, { findings }, iso);
  for (const [i, f] of findings.entries())
    batch.findings.push([
      id,
      seq,
      agentId,
      iso,
      f.ruleId,
      f.resourceUid,
      f.resourceType,
      f.status,
      f.severity,
      f.policy,
      encodeControls(f.controls),
      f.message,
      JSON.stringify(f.evidence),
      null,
      failingSince[i],
    ]);
  let pairs = pairsByAgent.get(agentId);
  if (!pairs) {
    pairs = new Set();
    pairsByAgent.set(agentId, pairs);
  }
  const diff = diffState(working, { id, findings, rules }, { agentId, ledgerSeq: seq, at: iso }, pairs);
  for (const row of diff.upserts) {
    const k = pairKey(row.resource_uid, row.rule_id);
    working.set(k, row);
    pairs.add(k);
  }
  for (const e of diff.events)
    batch.drift.push([
      e.at,
      e.type,
      e.agent_id,
      e.resource_uid,
      e.rule_id,
      e.from_status,
      e.to_status,
      e.severity,
      e.policy,
      e.controls,
      e.message,
      e.report_id,
      e.ledger_seq,
    ]);
  for (const r of resources) {
    const first = assets.get(r.uid)?.[7] ?? iso;
    assets.set(r.uid, [
      r.uid,
      r.type,
      r.provider,
      r.name,
      r.account ?? null,
      r.region ?? null,
      agentId,
      first,
      iso,
      id,
      assetInventory(r),
    ]);
    if (!owners.has(r.uid))
      owners.set(r.uid, [r.uid, r.account ? null : agentId, r.account ? `aws:${r.account}` : null, iso, seq]);
  }
  if (batch.findings.length >= 50_000) await flush();
}

const deviceRules = DEVICE_RULES.map((r) => ({ id: r.id }));
const cloudRules = CLOUD_RULES.map((r) => ({ id: r.id }));
for (let round = 0; round < ROUNDS; round++) {
  for (let d = 0; d < DEVICES; d++) {
    const at = START + round * roundMs + (d / DEVICES) * roundMs * 0.9;
    const findings = DEVICE_RULES.map((rule, r) => finding(d, rule, r, round, "device"));
    await report(agents[d].id, at, [deviceResource(d)], findings, deviceRules);
  }
  for (let s = 0; s < SCANNERS; s++) {
    const at = START + round * roundMs + roundMs * (0.9 + s / 100);
    const resources = [];
    const findings = [];
    for (let c = s; c < CLOUD; c += SCANNERS) {
      resources.push({
        uid: bucketUid(c),
        type: "aws.s3.bucket",
        provider: "aws",
        name: `assay-bench-bucket-${String(c).padStart(4, "0")}`,
        account: "123456789012",
        region: ["eu-west-1", "eu-central-1", "us-east-1"][c % 3],
        attributes: {},
      });
      CLOUD_RULES.forEach((rule, r) => {
        findings.push(finding(DEVICES + c, rule, r, round, "aws.s3.bucket"));
        findings.at(-1).resourceUid = bucketUid(c);
      });
    }
    await report(agents[DEVICES + s].id, at, resources, findings, cloudRules);
  }
  process.stdout.write(`round ${round + 1}/${ROUNDS}: ${findingRows + batch.findings.length} findings\r`);
}
await flush();

const stateColumns = [
  "resource_uid",
  "rule_id",
  "agent_id",
  "resource_type",
  "status",
  "severity",
  "policy",
  "controls",
  "since",
  "last_seen_at",
  "report_id",
  "ledger_seq",
];
// Exceptions: a few approved (some expiring within 30 days), one requested, one revoked.
const exceptionRows = Array.from({ length: 12 }, (_, i) => {
  const rule = DEVICE_RULES[i % DEVICE_RULES.length];
  const requested = new Date(NOW - (40 - i) * DAY).toISOString();
  return [
    ulid(NOW - (40 - i) * DAY),
    rule.id,
    i % 3 === 0 ? null : deviceUid(i * 37),
    `owner-${i}@example.com`,
    `Accepted risk ${i}: compensating control documented in the risk register.`,
    new Date(NOW + (i % 4 === 0 ? 10 : 120) * DAY).toISOString().slice(0, 10),
    "lead-token",
    requested,
    i === 5 ? null : "admin-token",
    i === 5 ? null : requested,
    i === 7 ? "admin-token" : null,
    i === 7 ? new Date(NOW - DAY).toISOString() : null,
    seq,
  ];
});
await db.transaction().execute(async (trx) => {
  await insertRows(
    trx,
    dialect,
    "current_state",
    stateColumns,
    [...working.values()].map((row) => stateColumns.map((c) => row[c])),
    500,
  );
  await insertRows(trx, dialect, "assets", ASSET_COLUMNS, [...assets.values()], 500);
  await insertRows(
    trx,
    dialect,
    "resource_owners",
    ["uid", "agent_id", "scope", "bound_at", "ledger_seq"],
    [...owners.values()],
    500,
  );
  await insertRows(
    trx,
    dialect,
    "store_exceptions",
    [
      "id",
      "rule_id",
      "resource",
      "owner",
      "reason",
      "expires",
      "requested_by",
      "requested_at",
      "approved_by",
      "approved_at",
      "revoked_by",
      "revoked_at",
      "ledger_seq",
    ],
    exceptionRows,
    100,
  );
  await trx.updateTable("ledger_head").set({ seq, entry_hash: prevHash }).execute();
});
// The Merkle tree over the generated ledger, built by the store's own backfill (as migration 0005 does), so
// later appends (the sample reports, an enrolment) extend it.
await db.transaction().execute((trx) => backfillTree(trx, dialect));
// Planner statistics, as a store that has been running for 90 days would have them (autovacuum / optimize).
await db.executeQuery(CompiledQuery.raw("analyze"));

const summary = {
  database: dialect,
  devices: DEVICES,
  cloudResources: CLOUD,
  agents: agents.length,
  rounds: ROUNDS,
  reports: seq,
  findings: findingRows,
  currentState: working.size,
  driftEvents: driftRows,
  assets: assets.size,
  exceptions: exceptionRows.length,
  seconds: Math.round((performance.now() - t0) / 1000),
  loadAverage: loadavg().map((l) => +l.toFixed(1)),
};
console.log(`\n${JSON.stringify(summary)}`);
if (opt["verify-sample"]) await verifySample(app);
await app.close();
