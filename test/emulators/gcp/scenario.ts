import type { GcpSeed } from "./server.js";

/**
 * A seeded Google Cloud organization and Workspace customer with resources in known states:
 * proj-a (everything readable, some of it bad), proj-b (in a nested folder; firewalls denied, Cloud SQL
 * API disabled, KMS throttled once), proj-denied (buckets and KMS denied), and a project being deleted.
 */
export const ORG = "organizations/100";
export const CUSTOMER = "C012345";

export const gcpIds = {
  bGood: "//storage.googleapis.com/projects/_/buckets/a-good",
  bPublic: "//storage.googleapis.com/projects/_/buckets/a-public",
  bIamDenied: "//storage.googleapis.com/projects/_/buckets/a-iam-denied",
  bThrottled: "//storage.googleapis.com/projects/_/buckets/a-throttled",
  bProjB: "//storage.googleapis.com/projects/_/buckets/b-logs",
  kRotating:
    "//cloudkms.googleapis.com/projects/proj-a/locations/europe-west1/keyRings/ring-1/cryptoKeys/rotating",
  kLong: "//cloudkms.googleapis.com/projects/proj-a/locations/europe-west1/keyRings/ring-1/cryptoKeys/long",
  kNone: "//cloudkms.googleapis.com/projects/proj-a/locations/europe-west1/keyRings/ring-1/cryptoKeys/none",
  kSign: "//cloudkms.googleapis.com/projects/proj-a/locations/europe-west1/keyRings/ring-1/cryptoKeys/sign",
  kDisabled: "//cloudkms.googleapis.com/projects/proj-a/locations/global/keyRings/ring-g/cryptoKeys/disabled",
  sqlGood: "//sqladmin.googleapis.com/projects/proj-a/instances/pg-good",
  sqlBad: "//sqladmin.googleapis.com/projects/proj-a/instances/mysql-bad",
  sqlLegacy: "//sqladmin.googleapis.com/projects/proj-a/instances/mysql-legacy-ssl",
  fwSsh: "//compute.googleapis.com/projects/proj-a/global/firewalls/allow-ssh-world",
  fwAll: "//compute.googleapis.com/projects/proj-a/global/firewalls/allow-all-world",
  fwInternal: "//compute.googleapis.com/projects/proj-a/global/firewalls/allow-ssh-internal",
  fwDisabled: "//compute.googleapis.com/projects/proj-a/global/firewalls/allow-rdp-disabled",
  fwDeny: "//compute.googleapis.com/projects/proj-a/global/firewalls/deny-ssh-world",
  fwRange: "//compute.googleapis.com/projects/proj-a/global/firewalls/allow-range-v6",
  alice: `//admin.googleapis.com/customers/${CUSTOMER}/users/1001`,
  bob: `//admin.googleapis.com/customers/${CUSTOMER}/users/1002`,
  carol: `//admin.googleapis.com/customers/${CUSTOMER}/users/1003`,
  dave: `//admin.googleapis.com/customers/${CUSTOMER}/users/1004`,
  erin: `//admin.googleapis.com/customers/${CUSTOMER}/users/1005`,
  frank: `//admin.googleapis.com/customers/${CUSTOMER}/users/1006`,
};

const ring1 = "projects/proj-a/locations/europe-west1/keyRings/ring-1";
const ringG = "projects/proj-a/locations/global/keyRings/ring-g";

const goodBucket = (name: string) => ({
  kind: "storage#bucket",
  name,
  location: "EU",
  iamConfiguration: { uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: "enforced" },
  versioning: { enabled: true },
  retentionPolicy: { retentionPeriod: "2592000", isLocked: true, effectiveTime: "2026-01-01T00:00:00Z" },
  encryption: { defaultKmsKeyName: `${ring1}/cryptoKeys/rotating` },
  labels: { team: "data" },
});
const privatePolicy = { bindings: [{ role: "roles/storage.admin", members: ["group:ops@example.com"] }] };

const firewall = (name: string, extra: Record<string, unknown>) => ({
  kind: "compute#firewall",
  name,
  network: "https://www.googleapis.com/compute/v1/projects/proj-a/global/networks/default",
  direction: "INGRESS",
  priority: 1000,
  disabled: false,
  ...extra,
});

const user = (id: string, email: string, extra: Record<string, unknown>) => ({
  kind: "admin#directory#user",
  id,
  primaryEmail: email,
  customerId: CUSTOMER,
  isAdmin: false,
  isDelegatedAdmin: false,
  isEnrolledIn2Sv: false,
  isEnforcedIn2Sv: false,
  suspended: false,
  archived: false,
  lastLoginTime: "2026-05-30T09:00:00.000Z",
  ...extra,
});

export function gcpScenario(now: Date): GcpSeed {
  const days = (d: number) => new Date(now.getTime() + d * 86_400_000).toISOString();
  return {
    folders: [
      { name: "folders/200", parent: ORG },
      { name: "folders/300", parent: "folders/200" },
      { name: "folders/999", parent: ORG, state: "DELETE_REQUESTED" },
    ],
    projects: [
      { projectId: "proj-a", parent: ORG, state: "ACTIVE" },
      { projectId: "proj-b", parent: "folders/300", state: "ACTIVE" },
      { projectId: "proj-denied", parent: "folders/200", state: "ACTIVE" },
      { projectId: "proj-old", parent: ORG, state: "DELETE_REQUESTED" },
      { projectId: "proj-elsewhere", parent: "organizations/555", state: "ACTIVE" },
    ],
    buckets: {
      "proj-a": [
        goodBucket("a-good"),
        {
          kind: "storage#bucket",
          name: "a-public",
          location: "US-CENTRAL1",
          iamConfiguration: { uniformBucketLevelAccess: { enabled: false } },
        },
        goodBucket("a-iam-denied"),
        goodBucket("a-throttled"),
      ],
      "proj-b": [goodBucket("b-logs")],
    },
    bucketIam: {
      "a-good": privatePolicy,
      "a-public": {
        bindings: [
          { role: "roles/storage.objectViewer", members: ["allUsers", "group:ops@example.com"] },
          { role: "roles/storage.legacyBucketReader", members: ["allAuthenticatedUsers"] },
        ],
      },
      "a-iam-denied": privatePolicy,
      "a-throttled": privatePolicy,
      "b-logs": privatePolicy,
    },
    kmsLocations: { "proj-a": ["global", "europe-west1"], "proj-b": ["europe-west1"] },
    keyRings: {
      "projects/proj-a/locations/europe-west1": [ring1],
      "projects/proj-a/locations/global": [ringG],
    },
    cryptoKeys: {
      [ring1]: [
        {
          name: `${ring1}/cryptoKeys/rotating`,
          purpose: "ENCRYPT_DECRYPT",
          rotationPeriod: "7776000s",
          nextRotationTime: days(30),
          primary: {
            state: "ENABLED",
            algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION",
            protectionLevel: "SOFTWARE",
          },
        },
        {
          name: `${ring1}/cryptoKeys/long`,
          purpose: "ENCRYPT_DECRYPT",
          rotationPeriod: "31536000s",
          nextRotationTime: days(-2),
          primary: { state: "ENABLED", algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION", protectionLevel: "HSM" },
        },
        {
          name: `${ring1}/cryptoKeys/none`,
          purpose: "ENCRYPT_DECRYPT",
          primary: {
            state: "ENABLED",
            algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION",
            protectionLevel: "SOFTWARE",
          },
        },
        {
          name: `${ring1}/cryptoKeys/sign`,
          purpose: "ASYMMETRIC_SIGN",
          versionTemplate: { algorithm: "EC_SIGN_P256_SHA256", protectionLevel: "SOFTWARE" },
        },
      ],
      [ringG]: [
        {
          name: `${ringG}/cryptoKeys/disabled`,
          purpose: "ENCRYPT_DECRYPT",
          primary: {
            state: "DISABLED",
            algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION",
            protectionLevel: "SOFTWARE",
          },
        },
      ],
    },
    sqlInstances: {
      "proj-a": [
        {
          name: "pg-good",
          databaseVersion: "POSTGRES_15",
          region: "europe-west1",
          settings: {
            backupConfiguration: { enabled: true, pointInTimeRecoveryEnabled: true },
            ipConfiguration: { ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY", requireSsl: false },
          },
        },
        {
          name: "mysql-bad",
          databaseVersion: "MYSQL_8_0",
          region: "us-central1",
          settings: {
            backupConfiguration: { enabled: false, binaryLogEnabled: false },
            ipConfiguration: {
              ipv4Enabled: true,
              sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
              authorizedNetworks: [{ value: "0.0.0.0/0", name: "anywhere" }],
            },
          },
        },
        {
          name: "mysql-legacy-ssl",
          databaseVersion: "MYSQL_5_7",
          region: "europe-west1",
          settings: {
            backupConfiguration: { enabled: true, binaryLogEnabled: true },
            ipConfiguration: {
              ipv4Enabled: true,
              requireSsl: true,
              authorizedNetworks: [{ value: "203.0.113.0/24" }],
            },
          },
        },
      ],
    },
    firewalls: {
      "proj-a": [
        firewall("allow-ssh-world", {
          sourceRanges: ["0.0.0.0/0"],
          allowed: [{ IPProtocol: "tcp", ports: ["22"] }],
        }),
        firewall("allow-all-world", {
          sourceRanges: ["0.0.0.0/0"],
          allowed: [{ IPProtocol: "all" }],
          priority: 65534,
        }),
        firewall("allow-ssh-internal", {
          sourceRanges: ["10.0.0.0/8"],
          allowed: [{ IPProtocol: "tcp", ports: ["22", "3389"] }],
        }),
        firewall("allow-rdp-disabled", {
          sourceRanges: ["0.0.0.0/0"],
          allowed: [{ IPProtocol: "tcp", ports: ["3389"] }],
          disabled: true,
        }),
        firewall("deny-ssh-world", {
          sourceRanges: ["0.0.0.0/0"],
          denied: [{ IPProtocol: "tcp", ports: ["22"] }],
          priority: 100,
        }),
        firewall("allow-range-v6", {
          sourceRanges: ["::/0"],
          allowed: [{ IPProtocol: "tcp", ports: ["3000-4000"] }, { IPProtocol: "udp" }],
        }),
      ],
      "proj-denied": [],
    },
    users: {
      my_customer: [
        user("1001", "alice@example.com", { isAdmin: true, isEnrolledIn2Sv: true, isEnforcedIn2Sv: true }),
        user("1002", "bob@example.com", { isAdmin: true, isEnrolledIn2Sv: true, isEnforcedIn2Sv: false }),
        user("1003", "carol@example.com", {}),
        user("1004", "dave@example.com", { isEnrolledIn2Sv: true, isEnforcedIn2Sv: true }),
        user("1005", "erin@example.com", { suspended: true, lastLoginTime: "1970-01-01T00:00:00.000Z" }),
        user("1006", "frank@example.com", { isDelegatedAdmin: true }),
      ],
    },
    faults: [
      { path: "/storage/v1/b/a-iam-denied/iam", status: 403, permission: "storage.buckets.getIamPolicy" },
      { path: "/storage/v1/b/a-throttled/iam", status: 429, times: 1, retryAfterSeconds: 1 },
      { path: "/v1/projects/proj-b/locations", status: 429, times: 1, retryAfterSeconds: 1 },
      { path: "/v1/projects/proj-b/instances", status: 403, reason: "SERVICE_DISABLED" },
      {
        path: "/compute/v1/projects/proj-b/global/firewalls",
        status: 403,
        permission: "compute.firewalls.list",
      },
      {
        path: "/storage/v1/b",
        status: 403,
        permission: "storage.buckets.list",
        query: { project: "proj-denied" },
      },
      { path: "/v1/projects/proj-denied/locations", status: 403, permission: "cloudkms.locations.list" },
      { path: "/v1/projects/proj-denied/instances", status: 403, reason: "SERVICE_DISABLED" },
    ],
  };
}
