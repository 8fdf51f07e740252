import { describe, expect, it } from "vitest";
import { permissionsFor } from "../../../src/cli/permissions.js";
import { buildGcpCustomRole, GCP_PERMISSIONS } from "../../../src/collectors/gcp/permissions.js";
import { GCP_RESOURCE_TYPES } from "../../../src/collectors/gcp/produces.js";
import { PROJECT_CALLS } from "../../../src/collectors/gcp/projects.js";
import { GCP_RESOURCE_DECLARATIONS } from "../../../src/collectors/gcp/resources/index.js";
import { DIRECTORY_USERS_SCOPE } from "../../../src/collectors/gcp/resources/workspace-user.js";

describe("GCP permissions", () => {
  it("are the permissions of the calls the resource types and the project walk declare, all of them reads", () => {
    const calls = [...GCP_RESOURCE_DECLARATIONS.flatMap((d) => d.calls), ...Object.values(PROJECT_CALLS)];
    const declared = new Set(calls.map((c) => c.permission));
    declared.delete(DIRECTORY_USERS_SCOPE); // an OAuth scope, granted by domain-wide delegation
    expect(GCP_PERMISSIONS.filter((p) => p !== "serviceusage.services.use").sort()).toEqual(
      [...declared].sort(),
    );
    expect(GCP_PERMISSIONS).toContain("storage.buckets.getIamPolicy");
    expect(GCP_PERMISSIONS).toContain("resourcemanager.projects.get"); // projects.search
    // Reads only, plus the right to bill a Requester Pays read to a project (no data access).
    const reads = GCP_PERMISSIONS.filter((p) => p !== "serviceusage.services.use");
    expect(reads.every((p) => /\.(list|get|getIamPolicy)$/.test(p))).toBe(true);
  });

  it("cover every resource type the collector produces, one declaration each", () => {
    expect(GCP_RESOURCE_DECLARATIONS.map((d) => d.type).sort()).toEqual([...GCP_RESOURCE_TYPES].sort());
  });

  it("build a custom role gcloud iam roles create accepts", () => {
    const role = buildGcpCustomRole();
    expect(role).toMatchObject({ title: "Assay Reader", stage: "GA" });
    expect(role.includedPermissions).toEqual([...GCP_PERMISSIONS].sort());
    expect(role.description).toContain("admin.directory.user.readonly");
  });

  it("are what assay permissions gcp prints", async () => {
    expect(JSON.parse(await permissionsFor("gcp"))).toEqual(buildGcpCustomRole(GCP_PERMISSIONS));
  });
});
