// Realistic signed reports for the store benches: a device scan (one host, ~40 rules) and a cloud scan
// (ten S3 buckets x four rules), each ~40 findings with evidence, resources with facts and rule summaries.

import { createPrivateKey, sign } from "node:crypto";
import { newReportId } from "../../dist/core/ids.js";
import { signedPayload } from "../../dist/core/signing.js";

const DEVICE_RULES = Array.from({ length: 40 }, (_, i) => ({
  id: `DEV-${["ENC", "PATCH", "SSH", "PWD", "FW", "AV", "USB", "SCR"][i % 8]}-${String(100 + i).padStart(3, "0")}`,
  policy: [
    "encryption",
    "patching",
    "remote-access",
    "password",
    "access-control",
    "malware",
    "removable-media",
    "clear-screen",
  ][i % 8],
  controls: [`iso27001-2022:A.8.${(i % 30) + 1}`, "cyber-essentials:secure-configuration"],
}));
const CLOUD_RULES = [
  { id: "AWS-S3-001", policy: "encryption", controls: ["iso27001-2022:A.8.24", "gdpr-art32:32.1.a"] },
  { id: "AWS-S3-002", policy: "access-control", controls: ["iso27001-2022:A.5.15"] },
  { id: "AWS-S3-003", policy: "backup", controls: ["iso27001-2022:A.8.13"] },
  { id: "AWS-S3-004", policy: "monitoring", controls: ["iso27001-2022:A.8.15"] },
];

function summary(findings, resources, rules) {
  const c = { pass: 0, fail: 0, error: 0, skip: 0, excepted: 0 };
  for (const f of findings) c[f.status] += 1;
  return { resources, rules, findings: c, bySeverity: { high: c }, byPolicy: {}, collectorErrors: 0 };
}

function ruleSummaries(rules, types) {
  return rules.map((r) => ({
    id: r.id,
    title: `${r.id}: the control holds`,
    severity: "high",
    resourceTypes: types,
    policy: r.policy,
    policyName: r.policy,
    remediation: "Apply the documented configuration and re-run the scan.",
    controls: r.controls,
  }));
}

// `host` fixes the resources (an agent scans the same machine or account every time); `n` varies the
// statuses a little from report to report, so some drift is written, as in a real fleet.
export function deviceReport(agentId, n, at = new Date(), host = 0) {
  const iso = at.toISOString();
  const uid = `4c4c4544-0042-3510-8052-${String(host).padStart(12, "0")}`;
  const resource = {
    uid,
    type: "device",
    provider: "device",
    name: `laptop-${host}`,
    tags: {},
    attributes: {
      os: { family: "linux", name: "Debian GNU/Linux", version: "12", kernel: "6.1.0-26-amd64" },
      diskEncryption: {
        enabled: true,
        method: "luks2",
        volumes: [{ device: "/dev/nvme0n1p3", encrypted: true }],
      },
      firewall: { enabled: true, defaultInbound: "deny" },
      updates: { pendingSecurity: n % 7, lastChecked: iso, automatic: true },
      screenLock: { enabled: true, timeoutSeconds: 300 },
      ssh: { permitRootLogin: "no", passwordAuthentication: false },
    },
    sources: {
      diskEncryption: "cmd: lsblk -J",
      firewall: "cmd: nft -j list ruleset",
      updates: "cmd: apt-get -s upgrade",
    },
    unreadable: {},
    collectedAt: iso,
  };
  const findings = DEVICE_RULES.map((r, i) => ({
    ruleId: r.id,
    resourceUid: uid,
    resourceType: "device",
    status: (i + Math.floor(n / 500)) % 9 === 0 ? "fail" : "pass",
    severity: "high",
    message:
      (i + Math.floor(n / 500)) % 9 === 0
        ? `${r.id} does not hold: pendingSecurity is ${n % 7}`
        : `${r.id} holds`,
    evidence: {
      "updates.pendingSecurity": { value: n % 7, source: "cmd: apt-get -s upgrade" },
      "diskEncryption.enabled": { value: true, source: "cmd: lsblk -J" },
    },
    controls: r.controls,
    policy: r.policy,
  }));
  return {
    schemaVersion: 1,
    id: newReportId(),
    agent: { id: agentId, hostname: `laptop-${host}`, version: "0.1.0" },
    scope: { collectors: ["device"], ruleDirs: ["rules"], accounts: [], regions: [] },
    startedAt: new Date(at.getTime() - 4000).toISOString(),
    finishedAt: iso,
    resources: [resource],
    rules: ruleSummaries(DEVICE_RULES, ["device"]),
    findings,
    collectorErrors: [],
    summary: summary(findings, 1, DEVICE_RULES.length),
  };
}

export function cloudReport(agentId, n, at = new Date(), host = 0) {
  const iso = at.toISOString();
  const resources = Array.from({ length: 10 }, (_, b) => ({
    uid: `arn:aws:s3:::acme-${host}-bucket-${b}`,
    type: "aws.s3.bucket",
    provider: "aws",
    account: "123456789012",
    region: "eu-west-2",
    name: `acme-${host}-bucket-${b}`,
    tags: { env: b % 2 ? "prod" : "dev", owner: "platform" },
    attributes: {
      encryption: {
        enabled: true,
        algorithm: b % 3 ? "aws:kms" : "AES256",
        kmsKeyId: `arn:aws:kms:eu-west-2:123456789012:key/${b}`,
      },
      publicAccessBlock: {
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: b !== 4,
        restrictPublicBuckets: true,
      },
      versioning: b % 4 ? "Enabled" : "Suspended",
      logging: { enabled: b % 5 !== 0, targetBucket: "acme-logs" },
    },
    sources: { encryption: "api: s3:GetBucketEncryption", versioning: "api: s3:GetBucketVersioning" },
    unreadable: {},
    collectedAt: iso,
  }));
  const findings = resources.flatMap((r, b) =>
    CLOUD_RULES.map((rule, k) => ({
      ruleId: rule.id,
      resourceUid: r.uid,
      resourceType: "aws.s3.bucket",
      status: (b + k + Math.floor(n / 500)) % 6 === 0 ? "fail" : "pass",
      severity: "high",
      message:
        (b + k + Math.floor(n / 500)) % 6 === 0
          ? `${rule.id} does not hold on ${r.name}`
          : `${rule.id} holds`,
      evidence: {
        "encryption.algorithm": {
          value: r.attributes.encryption.algorithm,
          source: "api: s3:GetBucketEncryption",
        },
        versioning: { value: r.attributes.versioning, source: "api: s3:GetBucketVersioning" },
      },
      controls: rule.controls,
      policy: rule.policy,
    })),
  );
  return {
    schemaVersion: 1,
    id: newReportId(),
    agent: { id: agentId, hostname: "ci-runner", version: "0.1.0" },
    scope: { collectors: ["aws"], ruleDirs: ["rules"], accounts: ["123456789012"], regions: ["eu-west-2"] },
    startedAt: new Date(at.getTime() - 20000).toISOString(),
    finishedAt: iso,
    resources,
    rules: ruleSummaries(CLOUD_RULES, ["aws.s3.bucket"]),
    findings,
    collectorErrors: [],
    summary: summary(findings, resources.length, CLOUD_RULES.length),
  };
}

/**
 * Serialised signed bodies and the bearer token to send each with: even agents are laptops, odd agents
 * scan a cloud account. Signed exactly as core signReport does (Ed25519 over signedPayload), with the
 * private key parsed once per agent so generating thousands of reports stays quick.
 */
export function signedBodies(agents, count) {
  const keys = agents.map((a) => createPrivateKey(a.privateKeyPem));
  const bodies = new Array(count);
  const tokens = new Array(count);
  for (let i = 0; i < count; i++) {
    const a = i % agents.length;
    const agent = agents[a];
    const report =
      a % 2 === 0
        ? deviceReport(agent.agentId, i, undefined, a)
        : cloudReport(agent.agentId, i, undefined, a);
    const value = sign(null, Buffer.from(signedPayload(report)), keys[a]).toString("base64");
    bodies[i] = JSON.stringify({
      ...report,
      signature: { algorithm: "ed25519", keyId: agent.agentId, value },
    });
    tokens[i] = agent.token;
  }
  return { bodies, tokens };
}
