import { randomBytes } from "node:crypto";
import {
  EmuError,
  type EmuOperation,
  type EmuReply,
  inRange,
  page,
  queryReply,
  type ServiceHandler,
  xmlReply,
} from "./protocol.js";
import type { EmuAccount, EmuPolicyRef, EmuUser, EmuWorld } from "./state.js";
import { ec2NetworkOperation, rdsParametersOperation } from "./vuln-network-logs.js";
import { list, xml } from "./xml.js";

/** The Query-protocol services (IAM, STS, RDS: `Action=…` form posts, `<XResponse><XResult>` replies) and EC2 Query. */
const IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";
const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const RDS_NS = "http://rds.amazonaws.com/doc/2014-10-31/";
const EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

function intParam(form: URLSearchParams, name: string): number | undefined {
  const raw = form.get(name);
  return raw ? Number.parseInt(raw, 10) : undefined;
}

/** Query lists arrive as `Name.member.1=…` (Query) or `Name.1=…` (EC2). */
function listParam(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of form) if (k.startsWith(`${prefix}.`)) out.push(v);
  return out;
}

const reportState = new WeakMap<EmuAccount, "started" | "complete">();

function reportTime(iso: string | null | undefined, fallback = "N/A"): string {
  return iso ? iso.replace(/\.\d{3}Z$/, "+00:00").replace(/Z$/, "+00:00") : fallback;
}

function credentialReportCsv(account: EmuAccount): string {
  const header =
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation," +
    "mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region," +
    "access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date," +
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
  const keyCols = (u: Pick<EmuUser, "accessKeys">, i: number): string[] => {
    const k = u.accessKeys[i];
    if (!k) return ["false", "N/A", "N/A", "N/A", "N/A"];
    return [
      String(k.active),
      reportTime(k.lastRotated),
      reportTime(k.lastUsed),
      k.lastUsed ? "us-east-1" : "N/A",
      k.lastUsed ? "s3" : "N/A",
    ];
  };
  const root = [
    "<root_account>",
    `arn:aws:iam::${account.id}:root`,
    "2020-01-01T00:00:00+00:00",
    "not_supported",
    reportTime(account.root.passwordLastUsed, "no_information"),
    "not_supported",
    "not_supported",
    String(account.root.mfa),
    String(account.root.accessKeys),
    account.root.accessKeys ? "2024-01-01T00:00:00+00:00" : "N/A",
    "N/A",
    "N/A",
    "N/A",
    "false",
    "N/A",
    "N/A",
    "N/A",
    "N/A",
    "false",
    "N/A",
    "false",
    "N/A",
  ];
  const rows = account.users.map((u) => [
    u.name,
    `arn:aws:iam::${account.id}:user/${u.name}`,
    reportTime(u.createdAt),
    String(u.password !== null),
    u.password ? reportTime(u.password.lastUsed, "no_information") : "N/A",
    u.password ? reportTime(u.password.lastChanged) : "N/A",
    "N/A",
    String(u.mfa),
    ...keyCols(u, 0),
    ...keyCols(u, 1),
    "false",
    "N/A",
    "false",
    "N/A",
  ]);
  return [header, root.join(","), ...rows.map((r) => r.join(","))].join("\n");
}

function policyRefs(refs: EmuPolicyRef[]) {
  return refs.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn }));
}

function encodeDoc(doc: unknown): string {
  return encodeURIComponent(JSON.stringify(doc));
}

function authorizationDetails(account: EmuAccount, form: URLSearchParams, world: EmuWorld): string {
  const filters = listParam(form, "Filter");
  const want = (kind: string) => filters.length === 0 || filters.includes(kind);
  type Item = { kind: "User" | "Group" | "LocalManagedPolicy"; xml: string };
  const items: Item[] = [];
  if (want("User")) {
    for (const u of account.users) {
      items.push({
        kind: "User",
        xml: xml({
          member: {
            Path: "/",
            UserName: u.name,
            UserId: `AIDA${u.name.toUpperCase().replace(/[^A-Z0-9]/g, "")}`,
            Arn: `arn:aws:iam::${account.id}:user/${u.name}`,
            CreateDate: u.createdAt,
            UserPolicyList: u.inlinePolicies.map((p) => ({
              PolicyName: p.name,
              PolicyDocument: encodeDoc(p.document),
            })),
            GroupList: u.groups,
            AttachedManagedPolicies: policyRefs(u.managedPolicies),
          },
        }),
      });
    }
  }
  if (want("Group")) {
    for (const g of account.groups) {
      items.push({
        kind: "Group",
        xml: xml({
          member: {
            Path: "/",
            GroupName: g.name,
            GroupId: `AGPA${g.name.toUpperCase()}`,
            Arn: `arn:aws:iam::${account.id}:group/${g.name}`,
            CreateDate: "2024-01-01T00:00:00Z",
            GroupPolicyList: g.inlinePolicies.map((p) => ({
              PolicyName: p.name,
              PolicyDocument: encodeDoc(p.document),
            })),
            AttachedManagedPolicies: policyRefs(g.managedPolicies),
          },
        }),
      });
    }
  }
  if (want("LocalManagedPolicy")) {
    for (const p of account.managedPolicies) {
      items.push({
        kind: "LocalManagedPolicy",
        xml: xml({
          member: {
            PolicyName: p.name,
            PolicyId: `ANPA${p.name.toUpperCase()}`,
            Arn: p.arn,
            Path: "/",
            DefaultVersionId: "v1",
            AttachmentCount: 1,
            IsAttachable: true,
            PolicyVersionList: [{ Document: encodeDoc(p.document), VersionId: "v1", IsDefaultVersion: true }],
          },
        }),
      });
    }
  }
  const { slice, next } = page(items, form.get("Marker"), intParam(form, "MaxItems"), world);
  const of = (kind: Item["kind"]) =>
    slice
      .filter((i) => i.kind === kind)
      .map((i) => i.xml)
      .join("");
  return (
    `<UserDetailList>${of("User")}</UserDetailList><GroupDetailList>${of("Group")}</GroupDetailList>` +
    `<RoleDetailList></RoleDetailList><Policies>${of("LocalManagedPolicy")}</Policies>` +
    xml({ IsTruncated: next !== undefined, Marker: next })
  );
}

export const queryHandler: ServiceHandler = {
  protocol: "query",
  resolve(req, account, world): EmuOperation {
    const action = req.form.get("Action") ?? "";
    const q = (a: string, ns: string, result: () => string): EmuOperation => ({
      action: `${req.service}:${a}`,
      run: () => queryReply(a, ns, result()),
    });
    if (req.service === "iam") {
      switch (action) {
        case "GenerateCredentialReport":
          return q(action, IAM_NS, () => {
            const state = reportState.get(account);
            // The first request starts generation; later ones find it complete, as on AWS after a few seconds.
            reportState.set(account, state ? "complete" : "started");
            return xml({ State: state ? "COMPLETE" : "STARTED", Description: "emulated report" });
          });
        case "GetCredentialReport":
          return q(action, IAM_NS, () => {
            const state = reportState.get(account);
            if (state !== "complete") {
              throw state === "started"
                ? new EmuError("ReportInProgress", 404, "Report generation is in progress")
                : new EmuError("ReportNotPresent", 410, "Credential report not present");
            }
            return xml({
              Content: Buffer.from(credentialReportCsv(account)).toString("base64"),
              ReportFormat: "text/csv",
              GeneratedTime: "2026-11-23T00:00:00Z",
            });
          });
        case "GetAccountAuthorizationDetails":
          return q(action, IAM_NS, () => authorizationDetails(account, req.form, world));
        case "GetAccountPasswordPolicy":
          return q(action, IAM_NS, () => {
            const p = account.passwordPolicy;
            if (!p)
              throw new EmuError(
                "NoSuchEntity",
                404,
                `The Password Policy with domain name ${account.id} cannot be found.`,
              );
            return xml({
              PasswordPolicy: {
                MinimumPasswordLength: p.minimumLength,
                RequireSymbols: p.requireSymbols,
                RequireNumbers: p.requireNumbers,
                RequireUppercaseCharacters: p.requireUppercase,
                RequireLowercaseCharacters: p.requireLowercase,
                AllowUsersToChangePassword: true,
                ExpirePasswords: (p.maxAgeDays ?? 0) > 0,
                MaxPasswordAge: p.maxAgeDays,
                PasswordReusePrevention: p.reusePrevention,
                HardExpiry: p.hardExpiry ?? false,
              },
            });
          });
      }
    }
    if (req.service === "sts") {
      switch (action) {
        case "GetCallerIdentity":
          return {
            // GetCallerIdentity needs no permission on AWS; it is never denied.
            action: "sts:GetCallerIdentity",
            run: () => {
              const who = world.credentials.get(req.accessKeyId);
              return queryReply(
                action,
                STS_NS,
                xml({ Arn: who?.arn, UserId: req.accessKeyId, Account: account.id }),
              );
            },
          };
        case "AssumeRole":
          return q(action, STS_NS, () => {
            const roleArn = req.form.get("RoleArn") ?? "";
            const match = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
            const target = match ? world.accounts.get(match[1] ?? "") : undefined;
            if (!match || !target?.roles.includes(match[2] ?? "")) {
              throw new EmuError(
                "AccessDenied",
                403,
                `Not authorized to perform sts:AssumeRole on ${roleArn}`,
              );
            }
            const accessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
            const session = req.form.get("RoleSessionName") ?? "session";
            const arn = `arn:aws:sts::${target.id}:assumed-role/${match[2]}/${session}`;
            world.credentials.set(accessKeyId, { accountId: target.id, arn });
            return xml({
              Credentials: {
                AccessKeyId: accessKeyId,
                SecretAccessKey: randomBytes(20).toString("hex"),
                SessionToken: randomBytes(32).toString("base64"),
                Expiration: new Date(Date.now() + 3600_000).toISOString(),
              },
              AssumedRoleUser: { AssumedRoleId: `AROA:${session}`, Arn: arn },
            });
          });
      }
    }
    if (req.service === "rds" && action === "DescribeDBInstances") {
      return q(action, RDS_NS, () => {
        const dbs = account.dbInstances.filter((d) => d.region === req.region);
        // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html: MaxRecords 20-100.
        const max = inRange("InvalidParameterValue", "MaxRecords", intParam(req.form, "MaxRecords"), 20, 100);
        const { slice, next } = page(dbs, req.form.get("Marker"), max, world);
        return xml({
          DBInstances: list(
            "DBInstance",
            slice.map((d) => ({
              DBInstanceIdentifier: d.id,
              DBInstanceArn: `arn:aws:rds:${d.region}:${account.id}:db:${d.id}`,
              DBInstanceClass: "db.t3.micro",
              Engine: d.engine,
              EngineVersion: d.engineVersion ?? "16.1",
              DBInstanceStatus: "available",
              StorageEncrypted: d.storageEncrypted,
              KmsKeyId: d.kmsKeyId,
              BackupRetentionPeriod: d.backupRetention,
              DeletionProtection: d.deletionProtection,
              PubliclyAccessible: d.publiclyAccessible,
              MultiAZ: d.multiAz,
              AutoMinorVersionUpgrade: true,
              IAMDatabaseAuthenticationEnabled: false,
              DBSubnetGroup: d.subnetGroup && {
                DBSubnetGroupName: `${d.id}-subnets`,
                VpcId: d.subnetGroup.vpcId,
                SubnetGroupStatus: "Complete",
                Subnets: list(
                  "Subnet",
                  d.subnetGroup.subnetIds.map((id) => ({ SubnetIdentifier: id, SubnetStatus: "Active" })),
                ),
              },
              DBParameterGroups: d.parameterGroup
                ? list("DBParameterGroup", [
                    { DBParameterGroupName: d.parameterGroup, ParameterApplyStatus: "in-sync" },
                  ])
                : undefined,
            })),
          ),
          Marker: next,
        });
      });
    }
    const rdsParameters = req.service === "rds" ? rdsParametersOperation(req, account, world) : undefined;
    if (rdsParameters) return rdsParameters;
    throw new EmuError("InvalidAction", 400, `${req.service} ${action} is not emulated`);
  },
};

function ec2Reply(action: string, inner: string): EmuReply {
  return xmlReply(
    `<${action}Response xmlns="${EC2_NS}"><requestId>emu</requestId>${inner}</${action}Response>`,
  );
}

export const ec2Handler: ServiceHandler = {
  protocol: "ec2",
  resolve(req, account, world): EmuOperation {
    const action = req.form.get("Action") ?? "";
    const op = (result: () => string): EmuOperation => ({
      action: `ec2:${action}`,
      run: () => ec2Reply(action, result()),
    });
    const inRegion = <T extends { region: string }>(items: T[]) =>
      items.filter((i) => i.region === req.region);
    switch (action) {
      case "DescribeRegions":
        return op(() =>
          xml({
            regionInfo: list(
              "item",
              account.enabledRegions.map((r) => ({
                regionName: r,
                regionEndpoint: `ec2.${r}.amazonaws.com`,
                optInStatus: "opt-in-not-required",
              })),
            ),
          }),
        );
      case "GetEbsEncryptionByDefault":
        return op(() => xml({ ebsEncryptionByDefault: account.ebsDefaults[req.region]?.enabled ?? false }));
      case "GetEbsDefaultKmsKeyId":
        return op(() => xml({ kmsKeyId: account.ebsDefaults[req.region]?.kmsKeyId ?? "alias/aws/ebs" }));
      case "DescribeVolumes":
        return op(() => {
          // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVolumes.html: MaxResults 5-500.
          const max = inRange(
            "InvalidParameterValue",
            "MaxResults",
            intParam(req.form, "MaxResults"),
            5,
            500,
          );
          const { slice, next } = page(inRegion(account.volumes), req.form.get("NextToken"), max, world);
          return xml({
            volumeSet: list(
              "item",
              slice.map((v) => ({
                volumeId: v.id,
                size: v.sizeGiB,
                availabilityZone: `${v.region}a`,
                status: v.attachedTo.length > 0 ? "in-use" : "available",
                createTime: "2025-01-01T00:00:00.000Z",
                volumeType: "gp3",
                encrypted: v.encrypted,
                kmsKeyId: v.kmsKeyId,
                attachmentSet: list(
                  "item",
                  v.attachedTo.map((i) => ({
                    volumeId: v.id,
                    instanceId: i,
                    device: "/dev/xvda",
                    status: "attached",
                  })),
                ),
              })),
            ),
            nextToken: next,
          });
        });
      case "DescribeSecurityGroups":
        return op(() => {
          // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html: MaxResults 5-1000.
          const max = inRange(
            "InvalidParameterValue",
            "MaxResults",
            intParam(req.form, "MaxResults"),
            5,
            1000,
          );
          const { slice, next } = page(
            inRegion(account.securityGroups),
            req.form.get("NextToken"),
            max,
            world,
          );
          return xml({
            securityGroupInfo: list(
              "item",
              slice.map((g) => ({
                ownerId: account.id,
                groupId: g.id,
                groupName: g.name,
                groupDescription: `${g.name} group`,
                vpcId: g.vpcId,
                ipPermissions: list(
                  "item",
                  g.ingress.map((p) => ({
                    ipProtocol: p.protocol,
                    fromPort: p.fromPort,
                    toPort: p.toPort,
                    ipRanges: list(
                      "item",
                      p.cidrs.map((c) => ({ cidrIp: c })),
                    ),
                    ipv6Ranges: list(
                      "item",
                      p.ipv6Cidrs.map((c) => ({ cidrIpv6: c })),
                    ),
                    groups: list("item", []),
                  })),
                ),
                ipPermissionsEgress: list("item", []),
              })),
            ),
            nextToken: next,
          });
        });
    }
    const network = ec2NetworkOperation(req, account, world);
    if (network) return network;
    throw new EmuError("InvalidAction", 400, `ec2 ${action} is not emulated`);
  },
};
