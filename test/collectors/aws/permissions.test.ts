import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  permissionsFor,
  registerPermissionsCommand,
  renderPermissions,
} from "../../../src/cli/permissions.js";
import { awsCollector } from "../../../src/collectors/aws/index.js";
import { AWS_CALLS, AWS_READ_PERMISSIONS } from "../../../src/collectors/aws/permissions.js";
import { AssayError } from "../../../src/core/errors.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("assay permissions aws", () => {
  it("prints an IAM policy built from the collector's declared read-only actions", async () => {
    const policy = JSON.parse(await permissionsFor("aws"));
    expect(policy.Version).toBe("2012-10-17");
    expect(policy.Statement).toHaveLength(1);
    const [statement] = policy.Statement;
    expect(statement).toMatchObject({ Effect: "Allow", Resource: "*" });
    expect(statement.Action).toEqual([...awsCollector.permissions].sort());
    expect(statement.Action).toContain("s3:GetEncryptionConfiguration");
    expect(statement.Action).toContain("iam:GenerateCredentialReport");
    // Read-only: every action is a Get, List, Describe, BatchGet (access level Read in the Service Authorization
    // Reference for inspector2:BatchGetAccountStatus and ecr:BatchGetRepositoryScanningConfiguration) or the
    // credential report generation.
    for (const action of statement.Action as string[]) {
      expect(action).toMatch(/^[a-z0-9-]+:(Get|List|Describe|BatchGet|GenerateCredentialReport)/);
    }
  });

  it("declares the IAM action of every API call the collector makes", () => {
    const declared = new Set([...AWS_READ_PERMISSIONS, "sts:AssumeRole", "sts:GetCallerIdentity"]);
    for (const call of Object.values(AWS_CALLS)) expect(declared).toContain(call.permission);
  });

  it("adds an AssumeRole statement for multi-account scans", () => {
    const policy = JSON.parse(renderPermissions("aws", ["s3:GetBucketAcl"], { assumeRole: "AssayAudit" }));
    expect(policy.Statement[1]).toEqual({
      Sid: "AssayAssumeScanRole",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: "arn:aws:iam::*:role/AssayAudit",
    });
  });

  it("prints a plain list, and a JSON list for providers without a document builder", () => {
    expect(renderPermissions("aws", ["b:X", "a:Y", "a:Y"], { list: true })).toBe("a:Y\nb:X\n");
    expect(JSON.parse(renderPermissions("other", ["x.get"]))).toEqual({
      provider: "other",
      permissions: ["x.get"],
    });
  });

  it("refuses an unknown provider and the device collector with a sentence", async () => {
    await expect(permissionsFor("oracle")).rejects.toThrow(AssayError);
    await expect(permissionsFor("oracle")).rejects.toThrow(/known: .*aws/);
  });

  it("is a commander command that writes the policy to stdout", async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const program = new Command("assay").exitOverride();
    registerPermissionsCommand(program);
    await program.parseAsync(["node", "assay", "permissions", "aws", "--assume-role", "Scanner"]);
    const policy = JSON.parse(out.join(""));
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "AssayReadOnlyScan",
      "AssayAssumeScanRole",
    ]);
  });
});

describe("AWS resource type declarations", () => {
  it("each declares a produced type, a known service and only read-only calls", async () => {
    const { AWS_RESOURCE_DECLARATIONS } = await import("../../../src/collectors/aws/resources/index.js");
    const { AWS_RESOURCE_TYPES } = await import("../../../src/collectors/aws/produces.js");
    const { AWS_SERVICES } = await import("../../../src/collectors/aws/settings.js");
    const { awsFactsSchemas } = await import("../../../src/core/facts/aws.js");
    expect(AWS_RESOURCE_DECLARATIONS.length).toBeGreaterThanOrEqual(8);
    for (const d of AWS_RESOURCE_DECLARATIONS) {
      expect(AWS_RESOURCE_TYPES as readonly string[]).toContain(d.type);
      expect(AWS_SERVICES as readonly string[]).toContain(d.service);
      expect(awsFactsSchemas[d.type]).toBe(d.facts);
      expect(d.calls.length).toBeGreaterThan(0);
      for (const call of d.calls) {
        expect(AWS_READ_PERMISSIONS).toContain(call.permission);
        expect(call.permission).toMatch(/^[a-z0-9-]+:(Get|List|Describe|BatchGet|GenerateCredentialReport)/);
      }
    }
  });

  it("the type and service lists the registry reads without loading the declarations name nothing undeclared", async () => {
    const { AWS_RESOURCE_DECLARATIONS } = await import("../../../src/collectors/aws/resources/index.js");
    const { AWS_RESOURCE_TYPES } = await import("../../../src/collectors/aws/produces.js");
    const { AWS_SERVICES } = await import("../../../src/collectors/aws/settings.js");
    // aws.account is assembled from several declarations (account.ts), so it has none of its own.
    expect([...AWS_RESOURCE_TYPES].sort()).toEqual(
      ["aws.account", ...AWS_RESOURCE_DECLARATIONS.map((d) => d.type)].sort(),
    );
    expect([...AWS_SERVICES].sort()).toEqual(
      [...new Set(AWS_RESOURCE_DECLARATIONS.map((d) => d.service))].sort(),
    );
  });
});
