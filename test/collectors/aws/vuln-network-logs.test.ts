import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAIN, seedWorld } from "../../emulators/aws/seed.js";
import { type RunningEmulator, startAwsEmulator } from "../../emulators/aws/server.js";
import { type CollectedRun, collect, emulatorSettings } from "./harness.js";

/**
 * Issue 12's AWS facts, read by the real SDK clients from the seeded emulator (test/emulators/aws/
 * seed-vuln-network-logs.ts; pages of 2 items, so every list and DescribeDBParameters follow their markers):
 * each fact is what the API returned, absent when it was not, and unreadable (never a default) when a call was
 * refused.
 */
let emu: RunningEmulator;
let run: CollectedRun;
let deniedEmu: RunningEmulator;
let denied: CollectedRun;

const DENIED_ACTIONS = [
  "inspector2:BatchGetAccountStatus",
  "ecr:BatchGetRepositoryScanningConfiguration",
  "ecr:GetRegistryScanningConfiguration",
  "ec2:DescribeVpcs",
  "ec2:DescribeRouteTables",
  "elasticloadbalancing:DescribeSSLPolicies",
  "rds:DescribeDBParameters",
  "cloudtrail:DescribeTrails",
  "logs:DescribeLogGroups",
  "cloudtrail:GetEventDataStore",
];

beforeAll(async () => {
  emu = await startAwsEmulator(seedWorld());
  run = await collect(emulatorSettings(emu.url));
  const world = seedWorld();
  for (const action of DENIED_ACTIONS) world.accounts.get(MAIN)?.denied.add(action);
  deniedEmu = await startAwsEmulator(world);
  denied = await collect(
    emulatorSettings(deniedEmu.url, {
      regions: ["us-east-1"],
      services: ["inspector2", "ecr", "ec2", "elbv2", "rds", "logs", "cloudtrail"],
    }),
  );
}, 60_000);
afterAll(async () => {
  await emu?.close();
  await deniedEmu?.close();
});

describe("AWS vulnerability-scanning, network, TLS and log-retention facts", () => {
  it("reads Inspector v2 per region, DISABLED where it was never activated", () => {
    expect(run.find("aws.inspector2.account", "Inspector us-east-1").attributes).toEqual({
      region: "us-east-1",
      status: "ENABLED",
      ec2Status: "ENABLED",
      ecrStatus: "ENABLED",
      lambdaStatus: "DISABLED",
      lambdaCodeStatus: "DISABLED",
    });
    expect(run.find("aws.inspector2.account", "Inspector eu-west-1").attributes.status).toBe("DISABLED");
  });

  it("reads the scanning ECR applies to each repository: registry rule, own scan on push, enhanced, none", () => {
    const scan = (name: string) => {
      const a = run.find("aws.ecr.repository", name).attributes;
      return [a.scanFrequency, a.scanOnPush, a.appliedScanFilters, a.registryScanType];
    };
    expect(scan("prod-api")).toEqual(["SCAN_ON_PUSH", false, ["prod-*"], "BASIC"]);
    expect(scan("legacy")).toEqual(["SCAN_ON_PUSH", true, [], "BASIC"]);
    expect(scan("scratch")).toEqual(["MANUAL", false, [], "BASIC"]);
    expect(scan("eu-app")).toEqual(["CONTINUOUS_SCAN", false, ["*"], "ENHANCED"]);
    // One batch per region (up to 25 repositories each), not one call per repository.
    expect(emu.world.calls.get("ecr:BatchGetRepositoryScanningConfiguration")).toBe(2);
  });

  it("gives instances their VPC's IsDefault; a terminated instance has no VPC fact at all", () => {
    expect(run.find("aws.ec2.instance", "i-default").attributes).toMatchObject({
      state: "running",
      vpcId: "vpc-def-use1",
      vpcIsDefault: true,
    });
    expect(run.find("aws.ec2.instance", "i-1").attributes.vpcIsDefault).toBe(false);
    const gone = run.find("aws.ec2.instance", "i-gone");
    expect(gone.attributes.state).toBe("terminated");
    expect(gone.attributes).not.toHaveProperty("vpcIsDefault");
    expect(gone.unreadable).toEqual({});
  });

  it("gives databases their subnets, the route tables that can apply, and TLS parameters as listed", () => {
    const bad = run.find("aws.rds.instance", "db-bad").attributes;
    expect(bad).toMatchObject({
      vpcId: "vpc-def-euw1",
      vpcIsDefault: true,
      parameterGroups: ["mysql-custom"],
    });
    expect(bad.routeTables).toEqual([
      {
        routeTableId: "rtb-def-euw1",
        main: true,
        subnetIds: [],
        routes: [
          { destinationCidr: "172.31.0.0/16", gatewayId: "local", state: "active" },
          { destinationCidr: "0.0.0.0/0", gatewayId: "igw-def2", state: "active" },
        ],
      },
    ]);
    expect(bad.tlsParameters).toEqual([{ name: "require_secure_transport", value: "0", source: "user" }]);
    // rds.force_ssl at its engine default: listed without ParameterValue, so the fact has no value.
    const good = run.find("aws.rds.instance", "db-good").attributes;
    expect(good.tlsParameters).toEqual([{ name: "rds.force_ssl", source: "engine-default" }]);
    expect((good.routeTables as { routeTableId: string }[]).map((t) => t.routeTableId)).toEqual([
      "rtb-main-1",
    ]);
    expect(emu.world.calls.get("rds:DescribeDBParameters")).toBe(4);
  });

  it("gives listeners their security policy's protocols and default actions", () => {
    expect(run.find("aws.elbv2.listener", "legacy:443").attributes).toMatchObject({
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-2016-08",
      sslProtocols: ["TLSv1", "TLSv1.1", "TLSv1.2"],
      loadBalancerType: "application",
      scheme: "internet-facing",
    });
    expect(run.find("aws.elbv2.listener", "web:80").attributes.defaultActions).toEqual([
      { type: "redirect", redirectProtocol: "HTTPS" },
    ]);
    // An HTTP listener's other rules are read too: one here forwards plain HTTP despite the default redirect.
    const mixed = run.find("aws.elbv2.listener", "web:8080").attributes;
    expect(mixed.ruleActions).toEqual([{ type: "redirect", redirectProtocol: "HTTPS" }, { type: "forward" }]);
    expect(run.find("aws.elbv2.listener", "web:443").attributes).not.toHaveProperty("ruleActions");
    const tcp = run.find("aws.elbv2.listener", "nlb:5432").attributes;
    expect(tcp.protocol).toBe("TCP");
    expect(tcp).not.toHaveProperty("sslProtocols");
  });

  it("keeps a log group's missing retention absent and names the trails that deliver to it", () => {
    const main = run.find("aws.logs.logGroup", "cloudtrail/main").attributes;
    expect(main).not.toHaveProperty("retentionInDays");
    expect(main.cloudTrailTrails).toEqual([`arn:aws:cloudtrail:us-east-1:${MAIN}:trail/main`]);
    expect(run.find("aws.logs.logGroup", "cloudtrail/regional").attributes.retentionInDays).toBe(30);
    expect(run.find("aws.logs.logGroup", "app/api").attributes.cloudTrailTrails).toEqual([]);
  });

  it("reads CloudTrail Lake event data stores' retention from GetEventDataStore", () => {
    expect(run.find("aws.cloudtrail.eventDataStore", "short-lake").attributes).toEqual({
      arn: `arn:aws:cloudtrail:eu-west-1:${MAIN}:eventdatastore/short-lake`,
      name: "short-lake",
      status: "ENABLED",
      retentionPeriodDays: 7,
      multiRegion: true,
      organizationEnabled: false,
      terminationProtection: true,
      billingMode: "EXTENDABLE_RETENTION_PRICING",
    });
  });

  it("copies S3 lifecycle rules with their filters and expirations", () => {
    expect(run.find("aws.s3.bucket", "log-bucket").attributes.lifecycleRules).toEqual([
      { id: "expire-logs", status: "Enabled", tagConditions: 0, expirationDays: 30 },
      { id: "archive-off", status: "Disabled", prefix: "archive/", tagConditions: 0, expirationDays: 1 },
    ]);
  });

  it("retries throttled replies of each protocol (REST-JSON, JSON, Query, EC2) and still reads the facts", () => {
    // One throttled reply each (seed), then one success per region, or per load balancer for DescribeListeners.
    expect(emu.world.calls.get("inspector2:BatchGetAccountStatus")).toBe(3);
    expect(emu.world.calls.get("ecr:DescribeRepositories")).toBe(4); // us-east-1 takes two pages
    expect(emu.world.calls.get("elasticloadbalancing:DescribeListeners")).toBe(5); // web: two pages, legacy, nlb
    expect(emu.world.calls.get("ec2:DescribeRouteTables")).toBe(4); // us-east-1 takes two pages
    expect(run.errors).toEqual([]);
  });

  it("keeps Inspector's own error code when it lists the account under failedAccounts, and no status", async () => {
    const world = seedWorld();
    const usEast = world.accounts.get(MAIN)?.inspector?.["us-east-1"];
    if (usEast) usEast.failedWith = "ACCESS_DENIED";
    const failing = await startAwsEmulator(world);
    try {
      const r = await collect(
        emulatorSettings(failing.url, { regions: ["us-east-1"], services: ["inspector2"] }),
      );
      const inspector = r.find("aws.inspector2.account", "Inspector us-east-1");
      expect(inspector.attributes).toEqual({ region: "us-east-1", errorCode: "ACCESS_DENIED" });
      expect(inspector.unreadable.status).toBe(
        "inspector2:BatchGetAccountStatus could not report this account: ACCESS_DENIED",
      );
    } finally {
      await failing.close();
    }
  });

  it("makes every refused call's facts unreadable with the permission named, never a default", () => {
    const inspector = denied.find("aws.inspector2.account", "Inspector us-east-1");
    expect(inspector.attributes).toEqual({ region: "us-east-1" });
    expect(inspector.unreadable.status).toBe("AccessDenied: inspector2:BatchGetAccountStatus");
    const repo = denied.find("aws.ecr.repository", "scratch");
    expect(repo.unreadable).toEqual({
      registryScanType: "AccessDenied: ecr:GetRegistryScanningConfiguration",
      scanFrequency: "AccessDenied: ecr:BatchGetRepositoryScanningConfiguration",
      appliedScanFilters: "AccessDenied: ecr:BatchGetRepositoryScanningConfiguration",
    });
    expect(denied.find("aws.ec2.instance", "i-default").unreadable).toEqual({
      vpcIsDefault: "AccessDenied: ec2:DescribeVpcs",
    });
    expect(denied.find("aws.rds.instance", "db-good").unreadable).toEqual({
      vpcIsDefault: "AccessDenied: ec2:DescribeVpcs",
      routeTables: "AccessDenied: ec2:DescribeRouteTables",
      tlsParameters: "AccessDenied: rds:DescribeDBParameters",
    });
    expect(denied.find("aws.elbv2.listener", "web:443").unreadable).toEqual({
      sslProtocols: "AccessDenied: elasticloadbalancing:DescribeSSLPolicies",
    });
    const store = denied.find("aws.cloudtrail.eventDataStore", "audit-lake");
    expect(store.attributes).toEqual({
      arn: `arn:aws:cloudtrail:us-east-1:${MAIN}:eventdatastore/audit-lake`,
      name: "audit-lake",
    });
    expect(store.unreadable.retentionPeriodDays).toBe("AccessDenied: cloudtrail:GetEventDataStore");
    // Log groups (and trails: DescribeTrails is denied too) cannot be listed: one collector error naming each
    // type, not an empty pass.
    expect(denied.ofType("aws.logs.logGroup")).toEqual([]);
    expect(denied.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "denied", resourceTypes: ["aws.logs.logGroup"] }),
        expect.objectContaining({ kind: "denied", resourceTypes: ["aws.cloudtrail.trail"] }),
      ]),
    );
    expect(denied.errors).toHaveLength(2);
  });
});
