import { createRequire } from "node:module";

/**
 * The AWS SDK client packages, loaded with require() rather than import().
 *
 * They ship CommonJS only. Imported from ESM, Node 20 first runs module-format detection and the CommonJS
 * export lexer over each entry file (the EC2 client's is 2 MB), which doubled the SDK's load time: about
 * 1.2 s of CPU before the first call of every scan, against about 0.6 s through require(), which loads the
 * very same modules. Only the service modules of this collector call these loaders, at their top level, and
 * those are reached only through the dynamic import in index.ts, so nothing is loaded until a scan needs AWS.
 */
const requireSdk = createRequire(import.meta.url);

export const loadS3Sdk = () => requireSdk("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
export const loadS3ControlSdk = () =>
  requireSdk("@aws-sdk/client-s3-control") as typeof import("@aws-sdk/client-s3-control");
export const loadEc2Sdk = () => requireSdk("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
export const loadIamSdk = () => requireSdk("@aws-sdk/client-iam") as typeof import("@aws-sdk/client-iam");
export const loadKmsSdk = () => requireSdk("@aws-sdk/client-kms") as typeof import("@aws-sdk/client-kms");
export const loadRdsSdk = () => requireSdk("@aws-sdk/client-rds") as typeof import("@aws-sdk/client-rds");
export const loadBackupSdk = () =>
  requireSdk("@aws-sdk/client-backup") as typeof import("@aws-sdk/client-backup");
export const loadCloudTrailSdk = () =>
  requireSdk("@aws-sdk/client-cloudtrail") as typeof import("@aws-sdk/client-cloudtrail");
export const loadStsSdk = () => requireSdk("@aws-sdk/client-sts") as typeof import("@aws-sdk/client-sts");
export const loadOrganizationsSdk = () =>
  requireSdk("@aws-sdk/client-organizations") as typeof import("@aws-sdk/client-organizations");
export const loadCredentialProviders = () =>
  requireSdk("@aws-sdk/credential-providers") as typeof import("@aws-sdk/credential-providers");
export const loadInspector2Sdk = () =>
  requireSdk("@aws-sdk/client-inspector2") as typeof import("@aws-sdk/client-inspector2");
export const loadEcrSdk = () => requireSdk("@aws-sdk/client-ecr") as typeof import("@aws-sdk/client-ecr");
export const loadElbv2Sdk = () =>
  requireSdk(
    "@aws-sdk/client-elastic-load-balancing-v2",
  ) as typeof import("@aws-sdk/client-elastic-load-balancing-v2");
export const loadLogsSdk = () =>
  requireSdk("@aws-sdk/client-cloudwatch-logs") as typeof import("@aws-sdk/client-cloudwatch-logs");
