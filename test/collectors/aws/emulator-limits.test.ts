import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALLER, seedWorld } from "../../emulators/aws/seed.js";
import { type RunningEmulator, startAwsEmulator } from "../../emulators/aws/server.js";

/**
 * The emulator refuses page sizes the real APIs refuse (limits from each API reference, cited in the
 * emulator), so a collector asking for more than AWS allows fails in tests as it would against AWS.
 */
const requireSdk = createRequire(import.meta.url);
const { KMSClient, ListKeysCommand } = requireSdk(
  "@aws-sdk/client-kms",
) as typeof import("@aws-sdk/client-kms");
const { RDSClient, DescribeDBInstancesCommand } = requireSdk(
  "@aws-sdk/client-rds",
) as typeof import("@aws-sdk/client-rds");
const { EC2Client, DescribeVolumesCommand } = requireSdk(
  "@aws-sdk/client-ec2",
) as typeof import("@aws-sdk/client-ec2");

let emu: RunningEmulator;
beforeAll(async () => {
  const world = seedWorld();
  // No throttled replies here: the limits are checked on the first attempt.
  for (const account of world.accounts.values()) account.throttle.clear();
  emu = await startAwsEmulator(world);
});
afterAll(async () => {
  await emu.close();
});

const config = () => ({ region: "us-east-1", endpoint: emu.url, credentials: CALLER, maxAttempts: 1 });

describe("AWS emulator page-size limits", () => {
  it("refuses what AWS refuses and accepts what the collector asks for", async () => {
    const kms = new KMSClient(config());
    await expect(kms.send(new ListKeysCommand({ Limit: 1001 }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    await expect(kms.send(new ListKeysCommand({ Limit: 1000 }))).resolves.toBeDefined();
    const rds = new RDSClient(config());
    await expect(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 10 }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
    const ec2 = new EC2Client(config());
    await expect(ec2.send(new DescribeVolumesCommand({ MaxResults: 1000 }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
    for (const client of [kms, rds, ec2]) client.destroy();
  });
});
