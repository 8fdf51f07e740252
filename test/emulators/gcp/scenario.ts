import type { GcpSeed } from "./server.js";

/**
 * A seeded Google Cloud organization and Workspace customer with resources in known states:
 * proj-a (everything readable, some of it bad), proj-b (in a nested folder; firewalls denied, Cloud SQL
 * API disabled, KMS throttled once), proj-denied (buckets and KMS denied), and a project being deleted.
 *
 * Every item has the shape of its schema in Google's discovery documents (googleapis/google-api-go-client:
 * storage/v1/storage-api.json `Bucket` and `Policy`, compute/v1/compute-api.json `Firewall`,
 * sqladmin/v1/sqladmin-api.json `DatabaseInstance`, cloudkms/v1/cloudkms-api.json `CryptoKey`,
 * admin/directory/v1/admin-api.json `User`): int64 fields as JSON strings, output-only fields present, and
 * fields the services leave out when unset left out (a bucket never given versioning has no `versioning`;
 * a firewall entry for every port has no `ports`; a replica has `masterInstanceName`).
 */
export const ORG = "organizations/100";
export const SA_APP = "app-runner@proj-a.iam.gserviceaccount.com";
export const CUSTOMER = "C012345";

export const gcpIds = {
  bGood: "//storage.googleapis.com/projects/_/buckets/a-good",
  bMinimal: "//storage.googleapis.com/projects/_/buckets/a-minimal",
  bConditional: "//storage.googleapis.com/projects/_/buckets/a-conditional",
  bRequesterPays: "//storage.googleapis.com/projects/_/buckets/a-requester-pays",
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
  sqlReplica: "//sqladmin.googleapis.com/projects/proj-a/instances/pg-good-replica",
  sqlUnspecified: "//sqladmin.googleapis.com/projects/proj-a/instances/pg-ssl-unspecified",
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
  netDefault: "//compute.googleapis.com/projects/proj-a/global/networks/default",
  netProd: "//compute.googleapis.com/projects/proj-a/global/networks/vpc-prod",
  projA: "//cloudresourcemanager.googleapis.com/projects/proj-a",
  projB: "//cloudresourcemanager.googleapis.com/projects/proj-b",
  projDenied: "//cloudresourcemanager.googleapis.com/projects/proj-denied",
  keyOld: `//iam.googleapis.com/projects/proj-a/serviceAccounts/${SA_APP}/keys/0a1b2c3d4e5f60718293a4b5c6d7e8f901234567`,
  keyNew: `//iam.googleapis.com/projects/proj-a/serviceAccounts/${SA_APP}/keys/1a1b2c3d4e5f60718293a4b5c6d7e8f901234567`,
  keyDisabled: `//iam.googleapis.com/projects/proj-a/serviceAccounts/${SA_APP}/keys/2a1b2c3d4e5f60718293a4b5c6d7e8f901234567`,
};

const ring1 = "projects/proj-a/locations/europe-west1/keyRings/ring-1";
const ringG = "projects/proj-a/locations/global/keyRings/ring-g";

/**
 * A `storage#bucket` as buckets.list returns it (projection=noAcl): the Bucket schema of the Storage v1
 * discovery document, laid out like the full reply recorded in googleapis/google-cloud-cpp
 * google/cloud/storage/bucket_metadata_test.cc. `iamConfiguration` carries both the current
 * `uniformBucketLevelAccess` and its deprecated alias `bucketPolicyOnly`.
 */
const bucket = (name: string, extra: Record<string, unknown>) => ({
  kind: "storage#bucket",
  selfLink: `https://www.googleapis.com/storage/v1/b/${name}`,
  id: name,
  name,
  projectNumber: "123456789012",
  generation: "1767225600000000",
  metageneration: "3",
  location: "EU",
  locationType: "multi-region",
  storageClass: "STANDARD",
  rpo: "DEFAULT",
  timeCreated: "2026-01-01T00:00:00.000Z",
  updated: "2026-01-02T00:00:00.000Z",
  softDeletePolicy: { retentionDurationSeconds: "604800", effectiveTime: "2026-01-01T00:00:00.000Z" },
  etag: "CAM=",
  ...extra,
});
const goodBucket = (name: string) =>
  bucket(name, {
    iamConfiguration: {
      bucketPolicyOnly: { enabled: true, lockedTime: "2026-04-01T00:00:00.000Z" },
      uniformBucketLevelAccess: { enabled: true, lockedTime: "2026-04-01T00:00:00.000Z" },
      publicAccessPrevention: "enforced",
    },
    versioning: { enabled: true },
    retentionPolicy: {
      retentionPeriod: "2592000",
      effectiveTime: "2026-01-01T00:00:00.000Z",
      isLocked: true,
    },
    encryption: { defaultKmsKeyName: `${ring1}/cryptoKeys/rotating` },
    // Bucket `lifecycle` as in the lifecycle configuration examples of
    // https://cloud.google.com/storage/docs/lifecycle-configurations (JSON API: `age` and
    // `daysSinceNoncurrentTime` are integers).
    lifecycle: {
      rule: [
        { action: { type: "Delete" }, condition: { age: 365, isLive: true } },
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30 } },
        {
          action: { type: "SetStorageClass", storageClass: "COLDLINE" },
          condition: { age: 90, matchesStorageClass: ["STANDARD"] },
        },
      ],
    },
    labels: { team: "data" },
  });
const privatePolicy = { bindings: [{ role: "roles/storage.admin", members: ["group:ops@example.com"] }] };

/** A `compute#firewall` (Firewall schema of the Compute v1 discovery document); `id` is a uint64 string. */
const firewall = (name: string, extra: Record<string, unknown>) => ({
  kind: "compute#firewall",
  id: String(4_000_000_000_000_000_000n + BigInt(name.length)),
  creationTimestamp: "2026-01-05T03:04:05.678-08:00",
  name,
  description: "",
  network: "https://www.googleapis.com/compute/v1/projects/proj-a/global/networks/default",
  priority: 1000,
  direction: "INGRESS",
  logConfig: { enable: false },
  disabled: false,
  selfLink: `https://www.googleapis.com/compute/v1/projects/proj-a/global/firewalls/${name}`,
  ...extra,
});

/**
 * A `sql#instance` (DatabaseInstance schema of the Cloud SQL Admin v1 discovery document). The API wraps
 * booleans such as `ipv4Enabled`, `requireSsl` and `backupConfiguration.enabled` (BoolValue), so a reply
 * may leave them out; these fixtures send what a real instance of the kind reports.
 */
const sqlInstance = (
  name: string,
  databaseVersion: string,
  region: string,
  settings: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  kind: "sql#instance",
  state: "RUNNABLE",
  databaseVersion,
  settings: {
    kind: "sql#settings",
    tier: "db-custom-2-7680",
    availabilityType: "ZONAL",
    pricingPlan: "PER_USE",
    replicationType: "SYNCHRONOUS",
    activationPolicy: "ALWAYS",
    storageAutoResize: true,
    dataDiskType: "PD_SSD",
    dataDiskSizeGb: "100",
    settingsVersion: "7",
    ...settings,
  },
  etag: "4a1c4e6b2f0d",
  ipAddresses: [{ type: "PRIVATE", ipAddress: "10.20.0.3" }],
  instanceType: "CLOUD_SQL_INSTANCE",
  project: "proj-a",
  serviceAccountEmailAddress: "p123456789012-abcd@gcp-sa-cloud-sql.iam.gserviceaccount.com",
  backendType: "SECOND_GEN",
  selfLink: `https://sqladmin.googleapis.com/v1/projects/proj-a/instances/${name}`,
  connectionName: `proj-a:${region}:${name}`,
  name,
  region,
  gceZone: `${region}-b`,
  createTime: "2026-01-10T08:00:00.000Z",
  ...extra,
});
const backups = (extra: Record<string, unknown>) => ({
  kind: "sql#backupConfiguration",
  startTime: "02:00",
  location: "eu",
  transactionLogRetentionDays: 7,
  backupRetentionSettings: { retentionUnit: "COUNT", retainedBackups: 7 },
  ...extra,
});

/** An `admin#directory#user` (User schema of the Admin SDK Directory v1 discovery document, projection=basic). */
const user = (id: string, email: string, extra: Record<string, unknown>) => ({
  kind: "admin#directory#user",
  etag: `"etag-${id}"`,
  name: { givenName: email.split("@")[0], familyName: "Example", fullName: `${email.split("@")[0]} Example` },
  isMailboxSetup: true,
  includeInGlobalAddressList: true,
  ipWhitelisted: false,
  creationTime: "2024-02-01T10:00:00.000Z",
  agreedToTerms: true,
  changePasswordAtNextLogin: false,
  orgUnitPath: "/",
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

/**
 * The output-only fields of a `CryptoKey` (Cloud KMS v1 discovery document): createTime,
 * destroyScheduledDuration, and a primary version's name and times. `rotationPeriod` and
 * `nextRotationTime` stay only on keys that rotate, as the API returns them.
 */
function withKeyFields(
  rings: Record<string, Record<string, unknown>[]>,
): Record<string, Record<string, unknown>[]> {
  return Object.fromEntries(
    Object.entries(rings).map(([ring, keys]) => [
      ring,
      keys.map((key) => {
        const primary = key.primary as Record<string, unknown> | undefined;
        return {
          ...key,
          createTime: "2026-01-03T00:00:00.000000000Z",
          destroyScheduledDuration: "2592000s",
          versionTemplate: key.versionTemplate ?? {
            protectionLevel: primary?.protectionLevel,
            algorithm: primary?.algorithm,
          },
          ...(primary
            ? {
                primary: {
                  name: `${key.name}/cryptoKeyVersions/1`,
                  createTime: "2026-01-03T00:00:00.000000000Z",
                  generateTime: "2026-01-03T00:00:00.000000000Z",
                  ...primary,
                },
              }
            : {}),
        };
      }),
    ]),
  );
}

function network(name: string, auto: boolean, subnetworks: string[]) {
  return {
    kind: "compute#network",
    id: String(4_000_000_000_000_000_000 + name.length),
    creationTimestamp: "2025-03-01T02:00:00.000-08:00",
    name,
    description: name === "default" ? "Default network for the project" : "",
    selfLink: `https://www.googleapis.com/compute/v1/projects/proj-a/global/networks/${name}`,
    selfLinkWithId: `https://www.googleapis.com/compute/v1/projects/proj-a/global/networks/${name.length}`,
    autoCreateSubnetworks: auto,
    subnetworks,
    routingConfig: { routingMode: "REGIONAL", bgpBestPathSelectionMode: "LEGACY" },
    networkFirewallPolicyEnforcementOrder: "AFTER_CLASSIC_FIREWALL",
  };
}

function saKey(id: string, validAfterTime: string, keyType: string) {
  return {
    name: `projects/proj-a/serviceAccounts/${SA_APP}/keys/${id}`,
    validAfterTime: validAfterTime.replace(/\.\d{3}Z$/, "Z"),
    validBeforeTime: "9999-12-31T23:59:59Z",
    keyAlgorithm: "KEY_ALG_RSA_2048",
    keyOrigin: "GOOGLE_PROVIDED",
    keyType,
  };
}

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
        bucket("a-public", {
          location: "US-CENTRAL1",
          locationType: "region",
          iamConfiguration: {
            bucketPolicyOnly: { enabled: false },
            uniformBucketLevelAccess: { enabled: false },
            publicAccessPrevention: "inherited",
          },
        }),
        goodBucket("a-iam-denied"),
        goodBucket("a-throttled"),
        // The least a bucket reply holds (bucket_metadata_test.cc `Parse`): no iamConfiguration, no
        // versioning, no retention policy, no default key.
        {
          kind: "storage#bucket",
          id: "a-minimal",
          selfLink: "https://www.googleapis.com/storage/v1/b/a-minimal",
          projectNumber: "123456789012",
          name: "a-minimal",
          timeCreated: "2018-05-19T19:31:14Z",
          updated: "2018-05-19T19:31:24Z",
          metageneration: "4",
          location: "US",
          storageClass: "STANDARD",
          etag: "XYZ=",
        },
        { ...goodBucket("a-conditional"), labels: { team: "partners" } },
        { ...goodBucket("a-requester-pays"), billing: { requesterPays: true } },
      ],
      // Leaves public access prevention to the organization policy, which proj-b enforces.
      "proj-b": [
        {
          ...goodBucket("b-logs"),
          iamConfiguration: {
            bucketPolicyOnly: { enabled: true, lockedTime: "2026-04-01T00:00:00.000Z" },
            uniformBucketLevelAccess: { enabled: true, lockedTime: "2026-04-01T00:00:00.000Z" },
            publicAccessPrevention: "inherited",
          },
        },
      ],
    },
    effectiveOrgPolicies: {
      "proj-b": {
        "constraints/storage.publicAccessPrevention": {
          constraint: "constraints/storage.publicAccessPrevention",
          booleanPolicy: { enforced: true },
        },
      },
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
      // A policy with no bindings: the reply has no `bindings` at all.
      "a-minimal": {},
      // An IAM Condition (policy version 3): readable only with optionsRequestedPolicyVersion=3.
      "a-conditional": {
        bindings: [
          ...privatePolicy.bindings,
          {
            role: "roles/storage.objectViewer",
            members: ["allAuthenticatedUsers"],
            condition: {
              title: "partner drop until 2027",
              description: "temporary",
              expression: 'request.time < timestamp("2027-01-01T00:00:00Z")',
            },
          },
        ],
      },
      "a-requester-pays": privatePolicy,
      "b-logs": privatePolicy,
    },
    kmsLocations: { "proj-a": ["global", "europe-west1"], "proj-b": ["europe-west1"] },
    keyRings: {
      "projects/proj-a/locations/europe-west1": [ring1],
      "projects/proj-a/locations/global": [ringG],
    },
    cryptoKeys: withKeyFields({
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
    }),
    sqlInstances: {
      "proj-a": [
        sqlInstance(
          "pg-good",
          "POSTGRES_15",
          "europe-west1",
          {
            backupConfiguration: backups({ enabled: true, pointInTimeRecoveryEnabled: true }),
            ipConfiguration: { ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY", requireSsl: false },
          },
          { replicaNames: ["pg-good-replica"] },
        ),
        sqlInstance("mysql-bad", "MYSQL_8_0", "us-central1", {
          backupConfiguration: backups({ enabled: false, binaryLogEnabled: false }),
          ipConfiguration: {
            ipv4Enabled: true,
            sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
            requireSsl: false,
            authorizedNetworks: [{ kind: "sql#aclEntry", value: "0.0.0.0/0", name: "anywhere" }],
          },
        }),
        // An instance created before sslMode existed: the reply has only the legacy flag.
        sqlInstance("mysql-legacy-ssl", "MYSQL_5_7", "europe-west1", {
          backupConfiguration: backups({ enabled: true, binaryLogEnabled: true }),
          ipConfiguration: {
            ipv4Enabled: true,
            requireSsl: true,
            authorizedNetworks: [{ kind: "sql#aclEntry", value: "203.0.113.0/24" }],
          },
        }),
        // A read replica: no backups of its own, and that is not a finding.
        sqlInstance(
          "pg-good-replica",
          "POSTGRES_15",
          "europe-west1",
          {
            backupConfiguration: backups({ enabled: false, pointInTimeRecoveryEnabled: false }),
            ipConfiguration: { ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY", requireSsl: false },
          },
          {
            instanceType: "READ_REPLICA_INSTANCE",
            masterInstanceName: "proj-a:pg-good",
            replicaConfiguration: { kind: "sql#replicaConfiguration", failoverTarget: false },
          },
        ),
        // sslMode SSL_MODE_UNSPECIFIED says nothing; requireSsl: true still enforces TLS.
        sqlInstance("pg-ssl-unspecified", "POSTGRES_14", "europe-west1", {
          backupConfiguration: backups({ enabled: true, pointInTimeRecoveryEnabled: true }),
          ipConfiguration: { ipv4Enabled: false, sslMode: "SSL_MODE_UNSPECIFIED", requireSsl: true },
        }),
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
    // compute/v1 `Network`: the project's auto mode `default` network (created with the project) and a
    // custom mode VPC network. int64 `id` as a string; output-only fields present.
    networks: {
      "proj-a": [
        network("default", true, [
          "https://www.googleapis.com/compute/v1/projects/proj-a/regions/europe-west1/subnetworks/default",
          "https://www.googleapis.com/compute/v1/projects/proj-a/regions/us-central1/subnetworks/default",
        ]),
        network("vpc-prod", false, [
          "https://www.googleapis.com/compute/v1/projects/proj-a/regions/europe-west1/subnetworks/app",
        ]),
      ],
    },
    // cloudresourcemanager/v3 `Policy`: basic roles to a user and a group, a conditional binding.
    projectIam: {
      "proj-a": {
        bindings: [
          { role: "roles/owner", members: ["user:alice@example.com", "group:admins@example.com"] },
          { role: "roles/editor", members: [`serviceAccount:${SA_APP}`] },
          {
            role: "roles/viewer",
            members: ["user:contractor@example.net"],
            condition: {
              title: "until June",
              expression: 'request.time < timestamp("2026-07-01T00:00:00Z")',
            },
          },
          { role: "roles/cloudkms.admin", members: ["user:bob@example.com"] },
        ],
      },
      "proj-b": { bindings: [{ role: "roles/owner", members: ["group:admins@example.com"] }] },
    },
    enabledServices: { "proj-a": ["containerscanning.googleapis.com"] },
    // iam/v1 `ServiceAccount` and `ServiceAccountKey`: keys.list returns only what `keyTypes` asks for.
    serviceAccounts: {
      "proj-a": [
        {
          account: {
            name: `projects/proj-a/serviceAccounts/${SA_APP}`,
            projectId: "proj-a",
            uniqueId: "112233445566778899001",
            email: SA_APP,
            displayName: "App runner",
            etag: "MDEwMjE5MjA=",
            oauth2ClientId: "112233445566778899001",
          },
          keys: [
            saKey("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", days(-400), "USER_MANAGED"),
            saKey("1a1b2c3d4e5f60718293a4b5c6d7e8f901234567", days(-10), "USER_MANAGED"),
            {
              ...saKey("2a1b2c3d4e5f60718293a4b5c6d7e8f901234567", days(-500), "USER_MANAGED"),
              disabled: true,
            },
            saKey("3a1b2c3d4e5f60718293a4b5c6d7e8f901234567", days(-3), "SYSTEM_MANAGED"),
          ],
        },
      ],
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
