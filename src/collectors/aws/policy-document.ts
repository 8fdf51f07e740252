import { z } from "zod";

/**
 * Just enough of the IAM policy language to say whether a bucket policy makes the bucket public. (Whether it
 * refuses plain HTTP is judged in AWS-S3-003's CEL, an administrator policy in AWS-IAM-006's.)
 */
const stringOrList = z.union([z.string(), z.array(z.string())]);
const StatementSchema = z.looseObject({
  Effect: z.enum(["Allow", "Deny"]),
  Principal: z.union([z.literal("*"), z.record(z.string(), stringOrList)]).optional(),
  NotPrincipal: z.unknown().optional(),
  Action: stringOrList.optional(),
  NotAction: stringOrList.optional(),
  Resource: stringOrList.optional(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
export const PolicyDocumentSchema = z.looseObject({
  Statement: z.union([StatementSchema, z.array(StatementSchema)]),
});
type Statement = z.infer<typeof StatementSchema>;

/** Condition keys that tie a statement to known callers or networks, so a `*` principal is not "anyone". */
const NARROWING_KEYS = new Set([
  "aws:sourceip",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceowner",
  "aws:userid",
  "aws:username",
]);

function asList(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : value;
}

export function statementsOf(document: unknown): Statement[] | undefined {
  const parsed = PolicyDocumentSchema.safeParse(document);
  if (!parsed.success) return undefined;
  const s = parsed.data.Statement;
  return Array.isArray(s) ? s : [s];
}

function anyonePrincipal(s: Statement): boolean {
  if (s.Principal === "*") return true;
  if (s.Principal && typeof s.Principal === "object") return asList(s.Principal.AWS).includes("*");
  return false;
}

function narrowed(s: Statement): boolean {
  for (const conditions of Object.values(s.Condition ?? {})) {
    for (const key of Object.keys(conditions)) if (NARROWING_KEYS.has(key.toLowerCase())) return true;
  }
  return false;
}

export interface BucketPolicyFacts {
  public: boolean;
}

export function analyseBucketPolicy(document: unknown): BucketPolicyFacts | undefined {
  const statements = statementsOf(document);
  if (!statements) return undefined;
  const isPublic = statements.some((s) => s.Effect === "Allow" && anyonePrincipal(s) && !narrowed(s));
  return { public: isPublic };
}

/** IAM returns policy documents URL-encoded. */
export function decodePolicyDocument(encoded: string | undefined): unknown {
  if (!encoded) return undefined;
  try {
    return JSON.parse(decodeURIComponent(encoded));
  } catch {
    try {
      return JSON.parse(encoded);
    } catch {
      return undefined;
    }
  }
}
