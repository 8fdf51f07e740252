import { describe, expect, it } from "vitest";
import { ingressRules } from "../../../src/collectors/aws/ec2.js";
import { classifyAwsError } from "../../../src/collectors/aws/errors.js";
import { credentialFacts, parseCredentialReport } from "../../../src/collectors/aws/iam.js";
import { normaliseBucketRegion } from "../../../src/collectors/aws/resources/s3-bucket.js";
import { apiCall } from "../../../src/collectors/kit/calls.js";
import { classify } from "../../../src/collectors/kit/errors.js";

describe("security group ingress facts", () => {
  it("keeps every permission, one entry per source, as returned", () => {
    expect(
      ingressRules([
        {
          IpProtocol: "tcp",
          FromPort: 20,
          ToPort: 23,
          IpRanges: [{ CidrIp: "0.0.0.0/0" }, { CidrIp: "10.0.0.0/8", Description: "office" }],
          UserIdGroupPairs: [{ GroupId: "sg-2" }],
        },
        { IpProtocol: "-1", Ipv6Ranges: [{ CidrIpv6: "::/0" }], PrefixListIds: [{ PrefixListId: "pl-1" }] },
      ]),
    ).toEqual([
      { protocol: "tcp", fromPort: 20, toPort: 23, cidr: "0.0.0.0/0" },
      { protocol: "tcp", fromPort: 20, toPort: 23, cidr: "10.0.0.0/8", description: "office" },
      { protocol: "tcp", fromPort: 20, toPort: 23, sourceGroup: "sg-2" },
      { protocol: "-1", cidr: "::/0" },
      { protocol: "-1", prefixList: "pl-1" },
    ]);
  });
});

describe("credential report", () => {
  const header =
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active," +
    "access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service," +
    "cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

  it("parses rows and keeps the report's dates as returned (N/A and no_information absent)", () => {
    const csv = `${header}\nann,arn:aws:iam::1:user/ann,2026-01-01T00:00:00+00:00,true,no_information,2026-01-11T00:00:00+00:00,N/A,false,true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n`;
    const [row] = parseCredentialReport(csv);
    expect(row).toBeDefined();
    expect(credentialFacts(row!)).toEqual({
      passwordEnabled: true,
      passwordLastChangedAt: "2026-01-11T00:00:00.000Z",
      mfaActive: false,
      accessKeys: [{ slot: 1, active: true, lastRotatedAt: "2026-01-01T00:00:00.000Z" }],
    });
  });

  it("rejects a report in an unexpected format with the line number", () => {
    expect(() => parseCredentialReport(`${header}\nann,arn,x,true,N/A,N/A,N/A,maybe`)).toThrow(/line 2/);
  });
});

describe("helpers", () => {
  it("normalises legacy bucket locations", () => {
    expect(normaliseBucketRegion(undefined)).toBe("us-east-1");
    expect(normaliseBucketRegion("EU")).toBe("eu-west-1");
    expect(normaliseBucketRegion("ap-south-1")).toBe("ap-south-1");
  });

  it("classifies denials by code and by 403 status, and names the permission", () => {
    const denied = classify(
      Object.assign(new Error("x"), { name: "UnauthorizedOperation" }),
      apiCall("ec2:DescribeVolumes"),
      classifyAwsError,
    );
    expect(denied.kind).toBe("denied");
    expect(denied.reason).toBe("AccessDenied: ec2:DescribeVolumes");
    const forbidden = classify(
      Object.assign(new Error("x"), { name: "SomethingElse", $metadata: { httpStatusCode: 403 } }),
      apiCall("s3:GetBucketEncryption", "s3:GetEncryptionConfiguration"),
      classifyAwsError,
    );
    expect(forbidden.reason).toBe("AccessDenied: s3:GetEncryptionConfiguration");
    const failed = classify(
      Object.assign(new Error("boom"), { name: "InternalError", $metadata: { httpStatusCode: 500 } }),
      apiCall("ec2:DescribeVolumes"),
      classifyAwsError,
    );
    expect(failed.kind).toBe("serviceError");
    expect(failed.reason).toBe("ec2:DescribeVolumes: the service failed to answer (InternalError, HTTP 500)");
    expect(failed.debug).toBe("InternalError: boom");
  });
});
