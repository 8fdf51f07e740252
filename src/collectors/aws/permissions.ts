import { type ApiCall, apiCall as call, permissionsOf } from "../kit/calls.js";
import { AWS_RESOURCE_DECLARATIONS } from "./resources/index.js";

/**
 * AWS API calls made outside the resource type declarations (account discovery and the region list), with the
 * IAM action that authorises each. Declared resource types list
 * their own calls; `AWS_READ_PERMISSIONS` is built from both, so `assay permissions aws` prints exactly the
 * actions the calls use: all read-only (Get/List/Describe/Generate credential report).
 */
export const AWS_CALLS = {
  stsGetCallerIdentity: call("sts:GetCallerIdentity"),
  stsAssumeRole: call("sts:AssumeRole"),
  orgListAccounts: call("organizations:ListAccounts"),
  ec2DescribeRegions: call("ec2:DescribeRegions"),
} as const satisfies Record<string, ApiCall>;

/** Every call the collector can make: the table above and each declared resource type's calls. */
export const AWS_ALL_CALLS: readonly ApiCall[] = [
  ...Object.values(AWS_CALLS),
  ...AWS_RESOURCE_DECLARATIONS.flatMap((d) => d.calls),
];

/**
 * The read-only IAM actions, sorted. sts:AssumeRole is listed separately: it belongs on the caller's identity
 * (to reach member accounts), not on the scanning role in each account; sts:GetCallerIdentity needs no grant.
 */
export const AWS_READ_PERMISSIONS: readonly string[] = permissionsOf(AWS_ALL_CALLS, [
  "sts:AssumeRole",
  "sts:GetCallerIdentity",
]);
