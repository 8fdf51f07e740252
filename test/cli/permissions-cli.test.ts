import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("assay permissions", () => {
  it("prints an AWS IAM policy of read-only actions only", () => {
    const result = runCli(["permissions", "aws"]);
    expect(result.code).toBe(0);
    const policy = JSON.parse(result.stdout) as {
      Version: string;
      Statement: { Effect: string; Action: string[] }[];
    };
    expect(policy.Version).toBe("2012-10-17");
    const actions = policy.Statement.flatMap((s) => s.Action);
    expect(actions).toContain("s3:GetEncryptionConfiguration");
    // BatchGet*: access level Read in the Service Authorization Reference (inspector2:BatchGetAccountStatus,
    // ecr:BatchGetRepositoryScanningConfiguration).
    expect(
      actions.filter((a) => !/^[a-z0-9-]+:(Get|List|Describe|BatchGet|Generate|AssumeRole)/.test(a)),
    ).toEqual([]);
  });

  it("prints an Azure role definition and a GCP custom role", () => {
    const azure = JSON.parse(runCli(["permissions", "azure"]).stdout) as { Actions: string[] };
    expect(azure.Actions.length).toBeGreaterThan(0);
    expect(azure.Actions.filter((a) => !/\/read$|\/action$/.test(a))).toEqual([]);
    const gcp = JSON.parse(runCli(["permissions", "gcp"]).stdout) as { includedPermissions: string[] };
    expect(gcp.includedPermissions).toContain("storage.buckets.list");
  });

  it("names the known providers for an unknown one, with exit 2", () => {
    const result = runCli(["permissions", "mainframe"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no collector for provider "mainframe"; known: aws, azure, gcp');
  });
});
