import {
  EmuError,
  type EmuOperation,
  inRange,
  isoSeconds,
  jsonReply,
  page,
  type ServiceHandler,
} from "./protocol.js";
import type { EmuAccount, EmuKey } from "./state.js";
import { cloudTrailLakeOperation } from "./vuln-network-logs.js";

/** The AWS JSON 1.1 services Assay reads: KMS, CloudTrail and Organizations (`X-Amz-Target: Prefix.Operation`). */
function target(headers: Record<string, string | string[] | undefined>): { prefix: string; op: string } {
  const raw = String(headers["x-amz-target"] ?? "");
  const dot = raw.lastIndexOf(".");
  return { prefix: raw.slice(0, dot), op: raw.slice(dot + 1) };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function keyArn(account: EmuAccount, key: EmuKey): string {
  return `arn:aws:kms:${key.region}:${account.id}:key/${key.keyId}`;
}

function findKey(account: EmuAccount, region: string, id: string | undefined): EmuKey {
  const keyId = id?.includes(":key/") ? id.split(":key/")[1] : id;
  const key = account.keys.find((k) => k.region === region && k.keyId === keyId);
  if (!key) throw new EmuError("NotFoundException", 400, `Key '${id}' does not exist`);
  return key;
}

export const jsonHandler: ServiceHandler = {
  protocol: "json",
  resolve(req, account, world): EmuOperation {
    const { prefix, op } = target(req.headers);
    const body = req.json;
    const regionKeys = () => account.keys.filter((k) => k.region === req.region);
    if (prefix === "TrentService") {
      switch (op) {
        case "ListKeys":
          return {
            action: "kms:ListKeys",
            run: () => {
              // https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html: Limit 1-1000.
              const limit = inRange("ValidationException", "Limit", num(body.Limit), 1, 1000);
              const { slice, next } = page(regionKeys(), str(body.Marker), limit, world);
              return jsonReply({
                Keys: slice.map((k) => ({ KeyId: k.keyId, KeyArn: keyArn(account, k) })),
                Truncated: next !== undefined,
                NextMarker: next,
              });
            },
          };
        case "ListAliases":
          return {
            action: "kms:ListAliases",
            run: () => {
              const aliases = regionKeys().flatMap((k) => k.aliases.map((a) => ({ alias: a, key: k })));
              // https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html: Limit 1-100.
              const limit = inRange("ValidationException", "Limit", num(body.Limit), 1, 100);
              const { slice, next } = page(aliases, str(body.Marker), limit, world);
              return jsonReply({
                Aliases: slice.map(({ alias, key }) => ({
                  AliasName: alias,
                  AliasArn: `arn:aws:kms:${key.region}:${account.id}:${alias}`,
                  TargetKeyId: key.keyId,
                })),
                Truncated: next !== undefined,
                NextMarker: next,
              });
            },
          };
        case "DescribeKey":
          return {
            action: "kms:DescribeKey",
            run: () => {
              const k = findKey(account, req.region, str(body.KeyId));
              return jsonReply({
                KeyMetadata: {
                  AWSAccountId: account.id,
                  KeyId: k.keyId,
                  Arn: keyArn(account, k),
                  CreationDate: isoSeconds(k.createdAt),
                  Enabled: k.state === "Enabled",
                  Description: k.description ?? "",
                  KeyUsage: k.usage,
                  KeyState: k.state,
                  Origin: k.origin,
                  KeyManager: k.manager,
                  KeySpec: k.spec,
                  CustomerMasterKeySpec: k.spec,
                  MultiRegion: false,
                  DeletionDate:
                    k.state === "PendingDeletion" ? isoSeconds("2030-01-01T00:00:00Z") : undefined,
                },
              });
            },
          };
        case "GetKeyRotationStatus":
          return {
            action: "kms:GetKeyRotationStatus",
            run: () => {
              const k = findKey(account, req.region, str(body.KeyId));
              if (k.spec !== "SYMMETRIC_DEFAULT" || k.origin !== "AWS_KMS") {
                throw new EmuError(
                  "UnsupportedOperationException",
                  400,
                  "rotation is not supported for this key",
                );
              }
              return jsonReply({
                KeyId: keyArn(account, k),
                KeyRotationEnabled: k.rotation.enabled,
                RotationPeriodInDays: k.rotation.enabled ? k.rotation.periodDays : undefined,
              });
            },
          };
      }
    }
    if (
      prefix === "CloudTrail_20131101" ||
      prefix === "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
    ) {
      switch (op) {
        case "DescribeTrails":
          return {
            action: "cloudtrail:DescribeTrails",
            run: () => {
              const shadow = body.includeShadowTrails !== false;
              const trails = account.trails.filter(
                (t) => t.homeRegion === req.region || (shadow && t.multiRegion),
              );
              return jsonReply({
                trailList: trails.map((t) => ({
                  Name: t.name,
                  TrailARN: `arn:aws:cloudtrail:${t.homeRegion}:${account.id}:trail/${t.name}`,
                  HomeRegion: t.homeRegion,
                  IsMultiRegionTrail: t.multiRegion,
                  IsOrganizationTrail: false,
                  LogFileValidationEnabled: t.logFileValidation,
                  KmsKeyId: t.kmsKeyId,
                  S3BucketName: t.s3BucketName,
                  CloudWatchLogsLogGroupArn: t.cloudWatchLogsLogGroupArn,
                  IncludeGlobalServiceEvents: true,
                })),
              });
            },
          };
        case "GetTrailStatus":
          return {
            action: "cloudtrail:GetTrailStatus",
            run: () => {
              const name = str(body.Name) ?? "";
              const trail = account.trails.find((t) => name === t.name || name.endsWith(`:trail/${t.name}`));
              if (!trail) throw new EmuError("TrailNotFoundException", 400, `Unknown trail: ${name}`);
              if (trail.homeRegion !== req.region) {
                throw new EmuError(
                  "TrailNotFoundException",
                  400,
                  "GetTrailStatus must be called in the home region",
                );
              }
              return jsonReply({
                IsLogging: trail.logging,
                LatestDeliveryTime: trail.logging ? isoSeconds("2026-11-01T00:00:00Z") : undefined,
              });
            },
          };
      }
      const lake = cloudTrailLakeOperation(op, req, account, world);
      if (lake) return lake;
    }
    if (prefix === "AWSOrganizationsV20161128" && op === "ListAccounts") {
      return {
        action: "organizations:ListAccounts",
        run: () => {
          if (!account.organizationMembers) {
            throw new EmuError(
              "AWSOrganizationsNotInUseException",
              400,
              "Your account is not a member of an organization.",
            );
          }
          const { slice, next } = page(
            account.organizationMembers,
            str(body.NextToken),
            num(body.MaxResults),
            world,
          );
          return jsonReply({
            Accounts: slice.map((a) => ({
              Id: a.id,
              Arn: `arn:aws:organizations::${account.id}:account/o-emu/${a.id}`,
              Name: a.name,
              Email: `${a.name}@example.com`,
              Status: a.status,
            })),
            NextToken: next,
          });
        },
      };
    }
    throw new EmuError("UnknownOperationException", 400, `${prefix}.${op} is not emulated`);
  },
};
