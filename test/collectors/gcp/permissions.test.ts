import { describe, expect, it } from "vitest";
import { permissionsFor } from "../../../src/cli/permissions.js";
import { BUCKET_IAM, BUCKETS_LIST } from "../../../src/collectors/gcp/buckets.js";
import { FIREWALLS_LIST } from "../../../src/collectors/gcp/firewalls.js";
import { KMS_KEYRINGS_LIST, KMS_KEYS_LIST, KMS_LOCATIONS_LIST } from "../../../src/collectors/gcp/kms.js";
import { buildGcpCustomRole, GCP_PERMISSIONS } from "../../../src/collectors/gcp/permissions.js";
import { FOLDERS_LIST, PROJECTS_LIST } from "../../../src/collectors/gcp/projects.js";
import { SQL_INSTANCES_LIST } from "../../../src/collectors/gcp/sql.js";

describe("GCP permissions", () => {
  it("declare every permission the collector's calls need, all of them reads", () => {
    const used = [
      BUCKETS_LIST,
      BUCKET_IAM,
      FIREWALLS_LIST,
      KMS_LOCATIONS_LIST,
      KMS_KEYRINGS_LIST,
      KMS_KEYS_LIST,
      SQL_INSTANCES_LIST,
      PROJECTS_LIST,
      FOLDERS_LIST,
    ];
    for (const permission of used) expect(GCP_PERMISSIONS).toContain(permission);
    // Reads only, plus the right to bill a Requester Pays read to a project (no data access).
    const reads = GCP_PERMISSIONS.filter((p) => p !== "serviceusage.services.use");
    expect(reads.every((p) => /\.(list|get|getIamPolicy)$/.test(p))).toBe(true);
    expect(GCP_PERMISSIONS).toContain("serviceusage.services.use");
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
