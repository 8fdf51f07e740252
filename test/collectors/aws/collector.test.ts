import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_READ_PERMISSIONS } from "../../../src/collectors/aws/permissions.js";
import { AWS_RESOURCE_TYPES } from "../../../src/collectors/aws/produces.js";
import { factsSchemaFor } from "../../../src/core/facts/index.js";
import { MAIN, seedWorld } from "../../emulators/aws/seed.js";
import { type RunningEmulator, startAwsEmulator } from "../../emulators/aws/server.js";
import { type CollectedRun, collect, emulatorSettings } from "./harness.js";

/**
 * The real SDK clients scan the seeded emulator (pages of 2 items, throttled replies, one denied action)
 * through the `endpoint` setting with static credentials, exactly as they would scan another endpoint.
 */
let emu: RunningEmulator;
let run: CollectedRun;

beforeAll(async () => {
  emu = await startAwsEmulator(seedWorld());
  run = await collect(emulatorSettings(emu.url));
});
afterAll(async () => {
  await emu.close();
});

describe("AWS collector against the seeded emulator", () => {
  it("emits only declared types whose facts match the facts schemas", () => {
    expect(run.resources.length).toBeGreaterThan(0);
    for (const r of run.resources) {
      expect(AWS_RESOURCE_TYPES).toContain(r.type);
      expect(r.provider).toBe("aws");
      expect(r.account).toBe(MAIN);
      const schema = factsSchemaFor(r.type);
      expect(schema, r.type).toBeDefined();
      expect(schema?.safeParse(r.attributes).success, `${r.uid} facts`).toBe(true);
      for (const key of Object.keys(r.attributes))
        expect(r.sources[key], `${r.uid} source of ${key}`).toBeDefined();
    }
    const counts = Object.fromEntries(AWS_RESOURCE_TYPES.map((t) => [t, run.ofType(t).length]));
    expect(counts).toEqual({
      "aws.account": 1,
      "aws.s3.bucket": 4,
      "aws.kms.key": 6,
      "aws.iam.user": 4,
      "aws.cloudtrail.trail": 2,
      "aws.backup.plan": 2,
      "aws.rds.instance": 2,
      "aws.ec2.volume": 3,
      "aws.ec2.ebsDefaults": 2,
      "aws.ec2.securityGroup": 6,
      "aws.inspector2.account": 2,
      "aws.ecr.repository": 4,
      "aws.ec2.instance": 4,
      "aws.elbv2.listener": 7,
      "aws.logs.logGroup": 3,
      "aws.cloudtrail.eventDataStore": 2,
    });
    expect(run.errors).toEqual([]);
  });

  it("walks every page of paginated lists", () => {
    // pageSize 2: four buckets take two ListBuckets pages, six security groups three pages per region.
    expect(emu.world.calls.get("s3:ListAllMyBuckets")).toBe(2);
    expect(emu.world.calls.get("iam:GetAccountAuthorizationDetails")).toBeGreaterThanOrEqual(4);
  });

  it("retries throttled calls and still reads the facts", () => {
    // Two throttled replies per the seed, then one success for each of the four buckets.
    expect(emu.world.calls.get("s3:GetEncryptionConfiguration")).toBe(6);
    expect(run.find("aws.s3.bucket", "secure-bucket").attributes.encryption).toEqual({
      algorithm: "aws:kms",
      kmsKeyId: "arn:aws:kms:us-east-1:111111111111:key/k-rotating",
      bucketKeyEnabled: true,
      blockedEncryptionTypes: ["SSE-C"],
    });
    expect(run.ofType("aws.kms.key")).toHaveLength(6);
  });

  it("keeps S3 facts as returned: each level of Block Public Access, replication rules, logging target", () => {
    const secure = run.find("aws.s3.bucket", "secure-bucket");
    expect(secure.region).toBe("us-east-1");
    expect(secure.tags).toEqual({ env: "prod" });
    expect(secure.attributes).toMatchObject({
      policy: { exists: true, document: { Statement: expect.any(Array) } },
      versioning: { status: "Enabled", mfaDelete: true },
      replication: { rules: [expect.objectContaining({ status: "Enabled" })] },
      lifecycleRules: [expect.objectContaining({ id: "rule-0", status: "Enabled" })],
      objectLock: { configured: true, objectLockEnabled: "Enabled", mode: "GOVERNANCE", retentionDays: 30 },
      publicAccessBlock: {
        configured: true,
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
      // The account has no configuration (NoSuchPublicAccessBlockConfiguration); carried on every bucket.
      accountPublicAccessBlock: { configured: false },
    });
    expect(secure.attributes).not.toHaveProperty("publiclyAccessible");
    const pub = run.find("aws.s3.bucket", "public-bucket");
    expect(pub.region).toBe("eu-west-1");
    expect(pub.attributes).toMatchObject({
      // The ACL and the policy as returned; AWS-S3-008/009 judge them.
      aclGrants: expect.arrayContaining([
        expect.objectContaining({ type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }),
      ]),
      policy: { exists: true, document: { Statement: expect.anything() } },
      publicAccessBlock: { configured: false },
      accountPublicAccessBlock: { configured: false },
    });
    // Never versioned: S3 sends neither Status nor MfaDelete, so both stay absent.
    expect(pub.attributes.versioning).toEqual({});
    expect(run.find("aws.s3.bucket", "org-bucket").attributes.policy).toMatchObject({
      exists: true,
      document: { Statement: expect.anything() },
    });
    // Nothing configured: S3 answers its SSE-S3 default (since 2023), as the emulator does.
    expect(run.find("aws.s3.bucket", "log-bucket").attributes.encryption).toEqual({
      algorithm: "AES256",
      bucketKeyEnabled: false,
      blockedEncryptionTypes: ["NONE"],
    });
  });

  it("marks a denied fact unreadable with the missing permission, never as a value", () => {
    for (const b of run.ofType("aws.s3.bucket")) {
      expect(b.attributes.logging).toBeUndefined();
      expect(b.unreadable).toEqual({ logging: "AccessDenied: s3:GetBucketLogging" });
    }
  });

  it("reads KMS keys in every enabled region, with rotation only where it applies", () => {
    const byId = Object.fromEntries(run.ofType("aws.kms.key").map((k) => [k.attributes.keyId, k]));
    expect(byId["k-rotating"]?.name).toBe("alias/app");
    expect(byId["k-rotating"]?.attributes.rotation).toEqual({ enabled: true, periodDays: 365 });
    expect(byId["k-norotate"]?.attributes.rotation).toEqual({ enabled: false });
    expect(byId["k-long"]?.attributes.rotation).toEqual({ enabled: true, periodDays: 730 });
    expect(byId["k-aws"]?.attributes).toMatchObject({ keyManager: "AWS" });
    expect(byId["k-aws"]?.attributes.rotation).toBeUndefined();
    expect(byId["k-asym"]?.attributes.rotation).toBeUndefined();
    expect(byId["k-eu"]?.region).toBe("eu-west-1");
    // Rotation status is read for the four customer symmetric keys only.
    expect(emu.world.calls.get("kms:GetKeyRotationStatus")).toBe(4);
  });

  it("derives IAM user facts from the credential report and authorization details", () => {
    expect(run.find("aws.iam.user", "bob").attributes).toMatchObject({
      credentials: {
        passwordEnabled: true,
        mfaActive: false,
        // Dates as the report gives them; AWS-IAM-004/005 compute ages against the scan's now.
        accessKeys: [
          expect.objectContaining({
            slot: 1,
            active: true,
            lastRotatedAt: expect.any(String),
            lastUsedAt: expect.any(String),
          }),
        ],
      },
      policies: { directPolicies: [{ arn: "arn:aws:iam::aws:policy/AdministratorAccess" }] },
    });
    expect(run.find("aws.iam.user", "alice").attributes.policies).toMatchObject({
      directPolicies: [],
      groups: ["admins"],
    });
    // A customer managed policy carries its default version's document; the rule judges it (AWS-IAM-006).
    expect(run.find("aws.iam.user", "dormant").attributes).toMatchObject({
      credentials: { passwordEnabled: true, passwordLastChangedAt: expect.any(String), accessKeys: [] },
      policies: {
        directPolicies: [
          {
            arn: "arn:aws:iam::111111111111:policy/LocalAdmin",
            document: { Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
          },
        ],
      },
    });
    const bot = run.find("aws.iam.user", "ci-bot").attributes.credentials as { accessKeys: unknown[] };
    expect(bot.accessKeys).toHaveLength(2);
  });

  it("assembles the account resource from IAM, S3 Control, CloudTrail and Backup", () => {
    const account = run.find("aws.account", MAIN);
    expect(account.uid).toBe(`arn:aws:iam::${MAIN}:root`);
    expect(account.attributes).toEqual({
      accountId: MAIN,
      root: { mfaActive: false, accessKeysPresent: true, passwordLastUsedAt: "2026-11-20T00:00:00.000Z" },
      passwordPolicy: {
        exists: true,
        minimumLength: 8,
        requireSymbols: false,
        requireNumbers: true,
        requireUppercase: true,
        requireLowercase: true,
        expirePasswords: false,
        hardExpiry: false,
      },
      s3PublicAccessBlock: { configured: false },
      // Every trail and plan as the APIs returned them; AWS-CT-001 and AWS-BAK-001 judge the lists.
      cloudtrail: {
        trails: [
          {
            arn: `arn:aws:cloudtrail:eu-west-1:${MAIN}:trail/regional`,
            homeRegion: "eu-west-1",
            multiRegion: false,
            logging: false,
            logFileValidation: false,
          },
          {
            arn: `arn:aws:cloudtrail:us-east-1:${MAIN}:trail/main`,
            homeRegion: "us-east-1",
            multiRegion: true,
            logging: true,
            logFileValidation: true,
            kmsKeyId: `arn:aws:kms:us-east-1:${MAIN}:key/k-rotating`,
          },
        ],
      },
      backup: {
        plans: [
          { planId: expect.any(String), region: "eu-west-1", selections: expect.any(Number) },
          { planId: expect.any(String), region: "us-east-1", selections: expect.any(Number) },
        ],
      },
    });
    // One plan with a selection (daily: 3), one without (empty): AWS-BAK-001 passes on the first.
    const plans = (account.attributes.backup as { plans: { selections: number }[] }).plans;
    expect(plans.map((p) => p.selections).sort()).toEqual([0, 3]);
  });

  it("emits each trail once, with its status read in its home region", () => {
    const main = run.find("aws.cloudtrail.trail", "main");
    expect(main.attributes).toMatchObject({
      multiRegion: true,
      logging: true,
      logFileValidation: true,
      kmsKeyId: expect.any(String),
    });
    expect(run.find("aws.cloudtrail.trail", "regional").attributes).toMatchObject({
      multiRegion: false,
      logging: false,
      homeRegion: "eu-west-1",
    });
    // No KmsKeyId in the reply: absent, and AWS-CT-003 states what that means.
    expect(run.find("aws.cloudtrail.trail", "regional").attributes).not.toHaveProperty("kmsKeyId");
    expect(emu.world.calls.get("cloudtrail:GetTrailStatus")).toBe(2);
  });

  it("reads backup plans, RDS, EBS and security groups per region", () => {
    expect(run.find("aws.backup.plan", "daily").attributes).toMatchObject({
      rules: [expect.objectContaining({ deleteAfterDays: 35 })],
      selections: 3,
    });
    expect(run.find("aws.backup.plan", "empty").attributes).toMatchObject({
      rules: [expect.objectContaining({ deleteAfterDays: 3 })],
      selections: 0,
    });
    expect(run.find("aws.rds.instance", "db-bad").attributes).toMatchObject({
      storageEncrypted: false,
      backupRetentionDays: 1,
      deletionProtection: false,
      publiclyAccessible: true,
    });
    expect(run.find("aws.ec2.ebsDefaults", "EBS defaults eu-west-1").attributes).toEqual({
      region: "eu-west-1",
      encryptionByDefault: false,
      defaultKmsKeyId: "alias/aws/ebs",
    });
    expect(run.find("aws.ec2.volume", "vol-plain").attributes).toMatchObject({
      encrypted: false,
      state: "available",
    });
    // Ingress as returned, one entry per source: the rules judge "open to the world".
    expect(run.find("aws.ec2.securityGroup", "web").attributes.ingress).toEqual([
      { protocol: "tcp", fromPort: 443, toPort: 443, cidr: "0.0.0.0/0" },
      { protocol: "tcp", fromPort: 443, toPort: 443, cidr: "::/0" },
    ]);
    expect(run.find("aws.ec2.securityGroup", "internal").attributes.ingress).toEqual([
      { protocol: "-1", cidr: "10.0.0.0/8" },
    ]);
  });

  it("calls only actions the collector declares for `assay permissions aws`", () => {
    const declared = new Set([...AWS_READ_PERMISSIONS, "sts:GetCallerIdentity"]);
    const called = [...emu.world.calls.keys()].filter((k) => k !== "total" && !k.startsWith("__"));
    expect(called.length).toBeGreaterThan(20);
    for (const action of called) expect(declared, action).toContain(action);
  });

  it("reports progress for the account and each service and region", () => {
    const done = run.progress.filter((p) => p.phase === "done").map((p) => p.scope);
    expect(done).toContain(MAIN);
    expect(done).toContain(`${MAIN}/global/s3`);
    expect(done).toContain(`${MAIN}/global/iam`);
    for (const region of ["us-east-1", "eu-west-1"]) {
      for (const service of ["kms", "cloudtrail", "backup", "rds", "ec2"])
        expect(done).toContain(`${MAIN}/${region}/${service}`);
    }
    expect(run.progress.find((p) => p.scope === `${MAIN}/global/s3` && p.phase === "done")?.resources).toBe(
      4,
    );
  });
});
