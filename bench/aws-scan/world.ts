import { createWorld } from "../../test/emulators/aws/server.js";
import {
  ALL_BLOCKED,
  bucket,
  type EmuAccount,
  type EmuWorld,
  emptyAccount,
} from "../../test/emulators/aws/state.js";

/** A synthetic account for the benchmark: N buckets, keys and users in a mix of states, one region. */
export const BENCH_ACCOUNT = "999999999999";
export const BENCH_CREDENTIALS = {
  accessKeyId: "AKIABENCHMARK0000001",
  secretAccessKey: "bench-secret-not-real",
};
export const BENCH_REGION = "us-east-1";

export interface BenchSize {
  buckets: number;
  keys: number;
  users: number;
  latencyMs: number;
}

export function benchWorld(size: BenchSize): EmuWorld {
  const world = createWorld({ pageSize: 1000, latencyMs: size.latencyMs });
  const a: EmuAccount = emptyAccount(BENCH_ACCOUNT, [BENCH_REGION]);
  const day = 86_400_000;
  const now = Date.parse("2026-11-23T00:00:00Z");
  for (let i = 0; i < size.buckets; i++) {
    a.buckets.push(
      bucket(`bench-bucket-${String(i).padStart(5, "0")}`, {
        region: BENCH_REGION,
        encryption:
          i % 10 === 0
            ? null
            : { algorithm: i % 2 ? "aws:kms" : "AES256", kmsKeyId: i % 2 ? "k-1" : undefined },
        publicAccessBlock: i % 7 === 0 ? null : ALL_BLOCKED,
        policy:
          i % 3 === 0
            ? { Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }
            : null,
        aclGrants: i % 50 === 0 ? ["AllUsers"] : [],
        versioning: { status: i % 4 === 0 ? null : "Enabled", mfaDelete: i % 8 === 1 },
        replication: i % 5 === 0,
        lifecycleRules: i % 3,
        objectLock: i % 20 === 0 ? { mode: "GOVERNANCE", days: 7 } : null,
        loggingTarget: i % 6 === 0 ? "bench-logs" : null,
        tags: i % 2 ? { team: `t${i % 9}` } : {},
      }),
    );
  }
  for (let i = 0; i < size.keys; i++) {
    a.keys.push({
      keyId: `bench-key-${i}`,
      region: BENCH_REGION,
      manager: i % 10 === 0 ? "AWS" : "CUSTOMER",
      spec: i % 25 === 0 ? "RSA_2048" : "SYMMETRIC_DEFAULT",
      usage: i % 25 === 0 ? "SIGN_VERIFY" : "ENCRYPT_DECRYPT",
      state: "Enabled",
      origin: "AWS_KMS",
      createdAt: "2025-01-01T00:00:00.000Z",
      aliases: i % 3 === 0 ? [`alias/bench-${i}`] : [],
      rotation: { enabled: i % 2 === 0, periodDays: 365 },
    });
  }
  for (let i = 0; i < size.users; i++) {
    a.users.push({
      name: `bench-user-${i}`,
      createdAt: new Date(now - 400 * day).toISOString(),
      password:
        i % 2
          ? {
              lastChanged: new Date(now - 60 * day).toISOString(),
              lastUsed: new Date(now - (i % 90) * day).toISOString(),
            }
          : null,
      mfa: i % 3 !== 0,
      accessKeys:
        i % 4
          ? [{ active: true, lastRotated: new Date(now - (i % 200) * day).toISOString(), lastUsed: null }]
          : [],
      groups: i % 5 === 0 ? ["admins"] : [],
      managedPolicies:
        i % 17 === 0
          ? [{ name: "AdministratorAccess", arn: "arn:aws:iam::aws:policy/AdministratorAccess" }]
          : [],
      inlinePolicies: [],
    });
  }
  a.groups = [
    {
      name: "admins",
      managedPolicies: [{ name: "AdministratorAccess", arn: "arn:aws:iam::aws:policy/AdministratorAccess" }],
      inlinePolicies: [],
    },
  ];
  a.passwordPolicy = {
    minimumLength: 14,
    requireSymbols: true,
    requireNumbers: true,
    requireUppercase: true,
    requireLowercase: true,
  };
  world.accounts.set(BENCH_ACCOUNT, a);
  world.credentials.set(BENCH_CREDENTIALS.accessKeyId, {
    accountId: BENCH_ACCOUNT,
    arn: `arn:aws:iam::${BENCH_ACCOUNT}:user/bench`,
  });
  return world;
}
