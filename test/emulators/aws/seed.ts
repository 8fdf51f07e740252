import { seedVulnNetworkLogs } from "./seed-vuln-network-logs.js";
import { createWorld } from "./server.js";
import { ALL_BLOCKED, bucket, type EmuAccount, type EmuKey, type EmuWorld, emptyAccount } from "./state.js";

/**
 * The seeded world the AWS tests scan. Every resource is in a known state so each rule's result is known:
 * account 111111111111 is the caller (static credentials), with a mix of compliant and non-compliant
 * resources; 222222222222 is reached by AssumeRole and has some permissions denied; 333333333333 is a
 * suspended Organization member. `now` for the tests is SEED_NOW.
 */
export const SEED_NOW = new Date("2026-11-23T00:00:00.000Z");
export const CALLER = { accessKeyId: "AKIAEMULATORCALLER01", secretAccessKey: "emulator-secret-not-real" };
export const MAIN = "111111111111";
export const MEMBER = "222222222222";
export const SUSPENDED = "333333333333";
export const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/AssayAudit`;

const daysAgo = (n: number) => new Date(SEED_NOW.getTime() - n * 86_400_000).toISOString();

const TLS_ONLY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "TlsOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::secure-bucket", "arn:aws:s3:::secure-bucket/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
};

const PUBLIC_READ = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::public-bucket/*" },
  ],
};

const ORG_ONLY = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::org-bucket/*",
      Condition: { StringEquals: { "aws:PrincipalOrgID": "o-emu" } },
    },
  ],
};

const ADMIN_DOC = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
const READ_DOC = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
};
const AWS_ADMIN = { name: "AdministratorAccess", arn: "arn:aws:iam::aws:policy/AdministratorAccess" };

function key(id: string, region: string, overrides: Partial<EmuKey> = {}): EmuKey {
  return {
    keyId: id,
    region,
    manager: "CUSTOMER",
    spec: "SYMMETRIC_DEFAULT",
    usage: "ENCRYPT_DECRYPT",
    state: "Enabled",
    origin: "AWS_KMS",
    createdAt: "2025-01-01T00:00:00.000Z",
    aliases: [],
    rotation: { enabled: true, periodDays: 365 },
    ...overrides,
  };
}

function mainAccount(): EmuAccount {
  const a = emptyAccount(MAIN, ["us-east-1", "eu-west-1"]);
  a.buckets = [
    bucket("secure-bucket", {
      encryption: {
        algorithm: "aws:kms",
        kmsKeyId: "arn:aws:kms:us-east-1:111111111111:key/k-rotating",
        bucketKey: true,
      },
      blockedEncryptionTypes: ["SSE-C"],
      publicAccessBlock: ALL_BLOCKED,
      policy: TLS_ONLY,
      versioning: { status: "Enabled", mfaDelete: true },
      replication: true,
      lifecycleRules: 1,
      objectLock: { mode: "GOVERNANCE", days: 30 },
      loggingTarget: "log-bucket",
      tags: { env: "prod" },
    }),
    bucket("public-bucket", {
      region: "eu-west-1",
      policy: PUBLIC_READ,
      aclGrants: ["AllUsers"],
    }),
    bucket("org-bucket", {
      policy: ORG_ONLY,
      versioning: { status: "Suspended", mfaDelete: false },
      publicAccessBlock: { ...ALL_BLOCKED, restrictPublicBuckets: false },
    }),
    bucket("log-bucket", { encryption: null, publicAccessBlock: ALL_BLOCKED }),
  ];
  a.keys = [
    key("k-rotating", "us-east-1", { aliases: ["alias/app"] }),
    key("k-norotate", "us-east-1", { rotation: { enabled: false, periodDays: 365 } }),
    key("k-long", "us-east-1", { rotation: { enabled: true, periodDays: 730 } }),
    key("k-aws", "us-east-1", { manager: "AWS", aliases: ["alias/aws/s3"] }),
    key("k-asym", "us-east-1", { spec: "RSA_2048", usage: "SIGN_VERIFY" }),
    key("k-eu", "eu-west-1", { rotation: { enabled: true, periodDays: 90 } }),
  ];
  a.groups = [{ name: "admins", managedPolicies: [AWS_ADMIN], inlinePolicies: [] }];
  a.managedPolicies = [
    { name: "LocalAdmin", arn: `arn:aws:iam::${MAIN}:policy/LocalAdmin`, document: ADMIN_DOC },
  ];
  a.users = [
    {
      name: "alice",
      createdAt: daysAgo(400),
      password: { lastChanged: daysAgo(60), lastUsed: daysAgo(10) },
      mfa: true,
      accessKeys: [{ active: true, lastRotated: daysAgo(30), lastUsed: daysAgo(1) }],
      groups: ["admins"],
      managedPolicies: [],
      inlinePolicies: [],
    },
    {
      name: "bob",
      createdAt: daysAgo(400),
      password: { lastChanged: daysAgo(300), lastUsed: daysAgo(100) },
      mfa: false,
      accessKeys: [{ active: true, lastRotated: daysAgo(200), lastUsed: daysAgo(100) }],
      groups: [],
      managedPolicies: [AWS_ADMIN],
      inlinePolicies: [],
    },
    {
      name: "ci-bot",
      createdAt: daysAgo(50),
      password: null,
      mfa: false,
      accessKeys: [
        { active: true, lastRotated: daysAgo(10), lastUsed: daysAgo(0) },
        { active: false, lastRotated: daysAgo(500), lastUsed: null },
      ],
      groups: [],
      managedPolicies: [],
      inlinePolicies: [{ name: "read-objects", document: READ_DOC }],
    },
    {
      name: "dormant",
      createdAt: daysAgo(130),
      password: { lastChanged: daysAgo(120), lastUsed: null },
      mfa: true,
      accessKeys: [],
      groups: [],
      managedPolicies: [{ name: "LocalAdmin", arn: `arn:aws:iam::${MAIN}:policy/LocalAdmin` }],
      inlinePolicies: [],
    },
  ];
  a.passwordPolicy = {
    minimumLength: 8,
    requireSymbols: false,
    requireNumbers: true,
    requireUppercase: true,
    requireLowercase: true,
  };
  a.root = { mfa: false, accessKeys: true, passwordLastUsed: daysAgo(3) };
  a.trails = [
    {
      name: "main",
      homeRegion: "us-east-1",
      multiRegion: true,
      logging: true,
      logFileValidation: true,
      kmsKeyId: "arn:aws:kms:us-east-1:111111111111:key/k-rotating",
      s3BucketName: "log-bucket",
    },
    {
      name: "regional",
      homeRegion: "eu-west-1",
      multiRegion: false,
      logging: false,
      logFileValidation: false,
      s3BucketName: "log-bucket",
    },
  ];
  a.backupPlans = [
    {
      id: "plan-daily",
      name: "daily",
      region: "us-east-1",
      rules: [
        { name: "daily", schedule: "cron(0 5 * * ? *)", vault: "Default", deleteAfterDays: 35, copies: 1 },
      ],
      selections: ["all-ebs", "all-rds", "tagged"],
    },
    {
      id: "plan-empty",
      name: "empty",
      region: "eu-west-1",
      rules: [{ name: "short", schedule: "cron(0 5 * * ? *)", vault: "Default", deleteAfterDays: 3 }],
      selections: [],
    },
  ];
  a.dbInstances = [
    {
      id: "db-good",
      region: "us-east-1",
      engine: "postgres",
      storageEncrypted: true,
      kmsKeyId: "arn:aws:kms:us-east-1:111111111111:key/k-rotating",
      backupRetention: 14,
      deletionProtection: true,
      publiclyAccessible: false,
      multiAz: true,
    },
    {
      id: "db-bad",
      region: "eu-west-1",
      engine: "mysql",
      storageEncrypted: false,
      backupRetention: 1,
      deletionProtection: false,
      publiclyAccessible: true,
      multiAz: false,
    },
  ];
  a.volumes = [
    {
      id: "vol-enc",
      region: "us-east-1",
      encrypted: true,
      kmsKeyId: "alias/aws/ebs",
      sizeGiB: 8,
      attachedTo: ["i-1"],
    },
    { id: "vol-plain", region: "us-east-1", encrypted: false, sizeGiB: 100, attachedTo: [] },
    { id: "vol-eu", region: "eu-west-1", encrypted: false, sizeGiB: 20, attachedTo: ["i-2"] },
  ];
  a.ebsDefaults = {
    "us-east-1": { enabled: true, kmsKeyId: "alias/aws/ebs" },
    "eu-west-1": { enabled: false, kmsKeyId: "alias/aws/ebs" },
  };
  a.securityGroups = [
    {
      id: "sg-web",
      name: "web",
      region: "us-east-1",
      vpcId: "vpc-1",
      ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrs: ["0.0.0.0/0"], ipv6Cidrs: ["::/0"] }],
    },
    {
      id: "sg-ssh",
      name: "ssh",
      region: "us-east-1",
      vpcId: "vpc-1",
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["0.0.0.0/0"], ipv6Cidrs: [] }],
    },
    {
      id: "sg-internal",
      name: "internal",
      region: "us-east-1",
      vpcId: "vpc-1",
      ingress: [{ protocol: "-1", cidrs: ["10.0.0.0/8"], ipv6Cidrs: [] }],
    },
    {
      id: "sg-rdp",
      name: "rdp",
      region: "eu-west-1",
      vpcId: "vpc-2",
      ingress: [{ protocol: "tcp", fromPort: 3389, toPort: 3389, cidrs: [], ipv6Cidrs: ["::/0"] }],
    },
    {
      id: "sg-db",
      name: "db",
      region: "eu-west-1",
      vpcId: "vpc-2",
      ingress: [{ protocol: "tcp", fromPort: 5000, toPort: 6000, cidrs: ["0.0.0.0/0"], ipv6Cidrs: [] }],
    },
    {
      id: "sg-all",
      name: "wide-open",
      region: "eu-west-1",
      vpcId: "vpc-2",
      ingress: [{ protocol: "-1", cidrs: ["0.0.0.0/0"], ipv6Cidrs: [] }],
    },
  ];
  a.organizationMembers = [
    { id: MAIN, name: "management", status: "ACTIVE" },
    { id: MEMBER, name: "member", status: "ACTIVE" },
    { id: SUSPENDED, name: "old", status: "SUSPENDED" },
  ];
  // Denied for the caller: server access logging cannot be read, so logging rules must become error.
  a.denied.add("s3:GetBucketLogging");
  // Throttled replies the SDK's retry must absorb.
  a.throttle.set("s3:GetEncryptionConfiguration", 2);
  a.throttle.set("kms:ListKeys", 1);
  a.throttle.set("iam:GetAccountAuthorizationDetails", 1);
  a.throttle.set("ec2:DescribeSecurityGroups", 1);
  a.throttle.set("backup:ListBackupPlans", 1);
  seedVulnNetworkLogs(a);
  return a;
}

function memberAccount(): EmuAccount {
  const a = emptyAccount(MEMBER, ["us-east-1"]);
  a.roles = ["AssayAudit", "OrganizationAccountAccessRole"];
  a.accountPublicAccessBlock = ALL_BLOCKED;
  a.buckets = [
    bucket("member-data", {
      encryption: { algorithm: "aws:kms", kmsKeyId: "arn:aws:kms:us-east-1:222222222222:key/m-1" },
      versioning: { status: "Enabled", mfaDelete: false },
      loggingTarget: "member-logs",
    }),
  ];
  a.keys = [key("m-1", "us-east-1")];
  a.users = [
    {
      name: "carol",
      createdAt: daysAgo(20),
      password: { lastChanged: daysAgo(20), lastUsed: daysAgo(2) },
      mfa: true,
      accessKeys: [],
      groups: [],
      managedPolicies: [],
      inlinePolicies: [],
    },
  ];
  a.passwordPolicy = {
    minimumLength: 16,
    requireSymbols: true,
    requireNumbers: true,
    requireUppercase: true,
    requireLowercase: true,
    maxAgeDays: 90,
    reusePrevention: 24,
  };
  a.ebsDefaults = { "us-east-1": { enabled: true, kmsKeyId: "alias/aws/ebs" } };
  // Denied for the scanning role: the RDS listing (whole type) and the authorization details (user policies).
  a.denied.add("rds:DescribeDBInstances");
  a.denied.add("iam:GetAccountAuthorizationDetails");
  return a;
}

export function seedWorld(options: { pageSize?: number; latencyMs?: number } = {}): EmuWorld {
  const world = createWorld({ pageSize: options.pageSize ?? 2, latencyMs: options.latencyMs ?? 0 });
  world.accounts.set(MAIN, mainAccount());
  world.accounts.set(MEMBER, memberAccount());
  world.accounts.set(SUSPENDED, emptyAccount(SUSPENDED));
  world.credentials.set(CALLER.accessKeyId, { accountId: MAIN, arn: `arn:aws:iam::${MAIN}:user/scanner` });
  return world;
}
