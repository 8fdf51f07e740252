// `fill.mjs --verify-sample`: enrol one agent and post two real signed device reports through the app (the
// HTTP ingest path), then compare the rows ingest wrote with the generated rows, table by table: the same
// columns, each holding the same kind of value (text, number, null, JSON, `|framework:control|` lists).
// Generated reports have no signed body (`reports.body` NULL): that one difference is expected and named.
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { signedPayload } from "../../dist/core/signing.js";
import { deviceReport } from "../store-ingest/reports.mjs";

function kind(column, value) {
  // Null on a row that does not fail, a time on one that does: which one the first row is depends on its status.
  if (column === "failing_since" && (value === null || kind("", value) === "timestamp"))
    return "timestamp or null";
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || typeof value === "bigint") return "number";
  if (typeof value === "string" && /^\d+$/.test(value) && column.endsWith("seq")) return "number"; // pg bigint
  if (typeof value !== "string") return typeof value;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value)) return "timestamp";
  if (/^\|.*\|$/.test(value)) return "controls";
  if (/^[{[]/.test(value)) {
    try {
      JSON.parse(value);
      return "json";
    } catch {
      return "text";
    }
  }
  return "text";
}

const shape = (row) => Object.fromEntries(Object.keys(row).map((c) => [c, kind(c, row[c])]));

export async function verifySample(app) {
  const { db } = app.assay.store;
  const keys = generateKeyPairSync("ed25519");
  const publicKeyPem = keys.publicKey.export({ type: "spki", format: "pem" });
  const enrol = await app.inject({
    method: "POST",
    url: "/v1/enrol",
    payload: {
      enrolmentSecret: "bench-enrolment-secret-0123456789",
      hostname: "sample-host",
      platform: "linux",
      publicKeyPem,
    },
  });
  if (enrol.statusCode !== 201 && enrol.statusCode !== 200)
    throw new Error(`enrol: ${enrol.statusCode} ${enrol.body}`);
  const { agentId, token } = enrol.json();
  const privateKey = createPrivateKey(keys.privateKey.export({ type: "pkcs8", format: "pem" }));
  let last;
  for (let n = 0; n < 2; n++) {
    const report = deviceReport(agentId, n * 500, new Date(Date.now() - (1 - n) * 60_000), 999_999);
    // The device facts as the collectors report them now (os + hardware feed the asset inventory).
    report.resources[0].attributes.os = {
      platform: "linux",
      distro: "Debian GNU/Linux",
      release: "12",
      kernel: "6.1.0-26-amd64",
      arch: "x64",
    };
    report.resources[0].attributes.hardware = { manufacturer: "Dell Inc.", model: "Latitude 5430" };
    const value = sign(null, Buffer.from(signedPayload(report)), privateKey).toString("base64");
    const res = await app.inject({
      method: "POST",
      url: "/v1/reports",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      payload: JSON.stringify({ ...report, signature: { algorithm: "ed25519", keyId: agentId, value } }),
    });
    if (res.statusCode !== 201) throw new Error(`report ${n}: ${res.statusCode} ${res.body}`);
    last = report;
  }
  const uid = last.resources[0].uid;
  const pairs = {
    reports: [
      db.selectFrom("reports").selectAll().where("agent_id", "=", agentId),
      db.selectFrom("reports").selectAll().where("agent_id", "!=", agentId),
    ],
    findings: [
      db.selectFrom("findings").selectAll().where("agent_id", "=", agentId),
      db
        .selectFrom("findings")
        .selectAll()
        .where("agent_id", "!=", agentId)
        .where("resource_type", "=", "device"),
    ],
    current_state: [
      db.selectFrom("current_state").selectAll().where("resource_uid", "=", uid),
      db
        .selectFrom("current_state")
        .selectAll()
        .where("resource_uid", "!=", uid)
        .where("resource_type", "=", "device"),
    ],
    drift_events: [
      db.selectFrom("drift_events").selectAll().where("agent_id", "=", agentId),
      db.selectFrom("drift_events").selectAll().where("agent_id", "!=", agentId).where("type", "=", "new"),
    ],
    assets: [
      db.selectFrom("assets").selectAll().where("uid", "=", uid),
      db.selectFrom("assets").selectAll().where("uid", "!=", uid).where("type", "=", "device"),
    ],
    resource_owners: [
      db.selectFrom("resource_owners").selectAll().where("uid", "=", uid),
      db.selectFrom("resource_owners").selectAll().where("uid", "!=", uid).where("agent_id", "is not", null),
    ],
  };
  const problems = [];
  for (const [table, [ingestedQ, generatedQ]] of Object.entries(pairs)) {
    const ingested = await ingestedQ.limit(1).executeTakeFirst();
    const generated = await generatedQ
      .orderBy(table === "findings" ? "id" : "agent_id")
      .limit(1)
      .executeTakeFirst();
    if (!ingested || !generated) {
      problems.push(`${table}: no ${ingested ? "generated" : "ingested"} row to compare`);
      continue;
    }
    const a = shape(ingested);
    const b = shape(generated);
    for (const column of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (column === "id") continue;
      if (table === "reports" && column === "body") continue; // generated reports carry no signed body
      if (a[column] !== b[column])
        problems.push(`${table}.${column}: ingest wrote ${a[column]}, generated ${b[column]}`);
    }
    const inv = ingested.inventory;
    if (table === "assets" && inv) console.log(`sample asset inventory as ingested: ${inv}`);
  }
  if (problems.length > 0) {
    console.error(
      `verify-sample: the generated rows differ from what ingest writes:\n  ${problems.join("\n  ")}`,
    );
    process.exitCode = 1;
  } else {
    console.log(
      `verify-sample: 2 signed reports posted through /v1/reports; ${Object.keys(pairs).join(", ")} rows have the generated shape (reports.body aside)`,
    );
  }
}
