import { afterEach, describe, expect, it } from "vitest";
import { AWS_RESOURCE_TYPES } from "../../../src/collectors/aws/produces.js";
import { MAIN, MEMBER, MEMBER_ROLE, SUSPENDED, seedWorld } from "../../emulators/aws/seed.js";
import { type RunningEmulator, startAwsEmulator } from "../../emulators/aws/server.js";
import type { EmuWorld } from "../../emulators/aws/state.js";
import { collect, emulatorSettings } from "./harness.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(tweak: (world: EmuWorld) => void = () => {}): Promise<RunningEmulator> {
  const world = seedWorld();
  tweak(world);
  emu = await startAwsEmulator(world);
  return emu;
}

describe("AWS scope: accounts, roles, regions", () => {
  it("assumes each configured role and scans that account with the role's credentials", async () => {
    const { url } = await start();
    const run = await collect(emulatorSettings(url, { roleArns: [MEMBER_ROLE] }));
    expect(new Set(run.resources.map((r) => r.account))).toEqual(new Set([MEMBER]));
    // The member account's own Block Public Access, carried on its bucket beside the bucket's (none).
    expect(run.find("aws.s3.bucket", "member-data").attributes).toMatchObject({
      publicAccessBlock: { configured: false },
      accountPublicAccessBlock: {
        configured: true,
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
    });
    // Denied for the role: RDS cannot be listed at all, user policies cannot be read.
    expect(run.errors).toEqual([
      expect.objectContaining({
        collector: "aws",
        scope: `${MEMBER}/us-east-1/rds`,
        code: "AccessDenied",
        permission: "rds:DescribeDBInstances",
        resourceTypes: ["aws.rds.instance"],
      }),
    ]);
    const carol = run.find("aws.iam.user", "carol");
    expect(carol.attributes.credentials).toMatchObject({ mfaActive: true });
    expect(carol.unreadable).toEqual({ policies: "AccessDenied: iam:GetAccountAuthorizationDetails" });
  });

  it("scans every active account of the Organization and skips suspended ones", async () => {
    const { url } = await start();
    const run = await collect(
      emulatorSettings(url, { organization: true, organizationRoleName: "OrganizationAccountAccessRole" }),
    );
    const accounts = run
      .ofType("aws.account")
      .map((a) => a.name)
      .sort();
    expect(accounts).toEqual([MAIN, MEMBER]);
    expect(run.resources.some((r) => r.account === SUSPENDED)).toBe(false);
    expect(run.find("aws.s3.bucket", "member-data").account).toBe(MEMBER);
    expect(run.find("aws.s3.bucket", "secure-bucket").account).toBe(MAIN);
  });

  it("reports an account whose role cannot be assumed, for every resource type, and scans the rest", async () => {
    const { url } = await start();
    const missing = `arn:aws:iam::${MEMBER}:role/DoesNotExist`;
    const run = await collect(emulatorSettings(url, { roleArns: [missing, MEMBER_ROLE], services: ["s3"] }));
    expect(run.errors).toEqual([
      expect.objectContaining({
        scope: `${MEMBER} (${missing})`,
        code: "AccessDenied",
        permission: "sts:AssumeRole",
        resourceTypes: [...AWS_RESOURCE_TYPES],
      }),
    ]);
    expect(run.ofType("aws.s3.bucket").map((b) => b.name)).toEqual(["member-data"]);
  });

  it("uses the configured regions instead of asking for enabled ones", async () => {
    const { url, world } = await start();
    const run = await collect(emulatorSettings(url, { regions: ["eu-west-1"], services: ["kms", "ec2"] }));
    expect(world.calls.get("ec2:DescribeRegions")).toBeUndefined();
    expect(run.ofType("aws.kms.key").map((k) => k.attributes.keyId)).toEqual(["k-eu"]);
    expect(new Set(run.resources.filter((r) => r.type !== "aws.account").map((r) => r.region))).toEqual(
      new Set(["eu-west-1"]),
    );
    // Services not scanned leave the account's summaries unreadable, never "none found".
    expect(run.find("aws.account", MAIN).unreadable).toMatchObject({
      cloudtrail: "not collected: the cloudtrail service is not in aws.services",
      root: "not collected: the iam service is not in aws.services",
    });
  });
});

describe("AWS denials fail closed", () => {
  it("turns a denied bucket listing into a collector error naming s3:ListAllMyBuckets", async () => {
    const { url } = await start((w) => w.accounts.get(MAIN)?.denied.add("s3:ListAllMyBuckets"));
    const run = await collect(emulatorSettings(url, { services: ["s3"] }));
    expect(run.ofType("aws.s3.bucket")).toEqual([]);
    expect(run.errors).toEqual([
      expect.objectContaining({
        scope: `${MAIN}/global/s3`,
        code: "AccessDenied",
        permission: "s3:ListAllMyBuckets",
        resourceTypes: ["aws.s3.bucket"],
      }),
    ]);
  });

  it("marks the account level of Block Public Access unreadable on every bucket when it is denied", async () => {
    const { url } = await start((w) => w.accounts.get(MAIN)?.denied.add("s3:GetAccountPublicAccessBlock"));
    const run = await collect(emulatorSettings(url, { services: ["s3"] }));
    const pub = run.find("aws.s3.bucket", "public-bucket");
    expect(pub.attributes.accountPublicAccessBlock).toBeUndefined();
    expect(pub.unreadable).toMatchObject({
      accountPublicAccessBlock: "AccessDenied: s3:GetAccountPublicAccessBlock",
    });
    // The bucket's own level is still what S3 returned; the rules reading both levels give `error`.
    expect(pub.attributes.publicAccessBlock).toEqual({ configured: false });
    expect(run.find("aws.s3.bucket", "secure-bucket").attributes.publicAccessBlock).toMatchObject({
      configured: true,
      restrictPublicBuckets: true,
    });
    expect(run.find("aws.account", MAIN).unreadable.s3PublicAccessBlock).toBe(
      "AccessDenied: s3:GetAccountPublicAccessBlock",
    );
  });

  it("scans the home region and marks regional types when enabled regions cannot be listed", async () => {
    const { url } = await start((w) => w.accounts.get(MAIN)?.denied.add("ec2:DescribeRegions"));
    const run = await collect(emulatorSettings(url, { services: ["kms"] }));
    expect(run.errors).toEqual([
      expect.objectContaining({ permission: "ec2:DescribeRegions", code: "AccessDenied" }),
    ]);
    expect(run.errors[0]?.resourceTypes).toContain("aws.kms.key");
    expect(new Set(run.ofType("aws.kms.key").map((k) => k.region))).toEqual(new Set(["us-east-1"]));
  });

  it("marks users' credentials unreadable when the credential report is denied", async () => {
    const { url } = await start((w) => w.accounts.get(MAIN)?.denied.add("iam:GenerateCredentialReport"));
    const run = await collect(emulatorSettings(url, { services: ["iam"] }));
    expect(run.ofType("aws.iam.user")).toHaveLength(4);
    for (const u of run.ofType("aws.iam.user")) {
      expect(u.unreadable).toEqual({ credentials: "AccessDenied: iam:GenerateCredentialReport" });
    }
    expect(run.find("aws.account", MAIN).unreadable.root).toBe("AccessDenied: iam:GenerateCredentialReport");
  });

  it("keeps a KMS key whose description is denied, with its facts unreadable", async () => {
    const { url } = await start((w) => w.accounts.get(MAIN)?.denied.add("kms:DescribeKey"));
    const run = await collect(emulatorSettings(url, { services: ["kms"], regions: ["us-east-1"] }));
    const key = run.ofType("aws.kms.key").find((k) => k.attributes.keyId === "k-rotating");
    expect(key?.attributes).toEqual({
      keyId: "k-rotating",
      arn: "arn:aws:kms:us-east-1:111111111111:key/k-rotating",
      aliases: ["alias/app"],
    });
    expect(key?.unreadable.keyManager).toBe("AccessDenied: kms:DescribeKey");
  });

  it("rejects invalid settings with a sentence naming the field", async () => {
    await expect(collect({ regions: ["Mars-1"] })).rejects.toThrow(/regions/);
  });
});

describe("cancelling a scan", () => {
  it("stops making calls and rejects with the abort reason", async () => {
    const { url, world } = await start();
    const controller = new AbortController();
    const { awsCollector } = await import("../../../src/collectors/aws/index.js");
    let emitted = 0;
    const run = awsCollector.collect({
      settings: emulatorSettings(url, { services: ["s3"] }),
      now: new Date(),
      signal: controller.signal,
      emit: () => {
        emitted += 1;
        controller.abort(new Error("user cancelled"));
      },
      reportError: () => {},
      progress: () => {},
    });
    await expect(run).rejects.toThrow("user cancelled");
    const callsAtAbort = world.calls.get("total") ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(world.calls.get("total")).toBe(callsAtAbort);
    expect(emitted).toBeGreaterThan(0);
  });
});
