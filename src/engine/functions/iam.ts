import { describe } from "./cidr.js";

/**
 * Just enough of the AWS IAM policy language for rules to judge statements themselves: wildcard matching of
 * actions and resources, and whether a statement covers an action. Policy documents are facts as IAM returned
 * them (decoded JSON), where `Statement`, `Action`, `NotAction`, `Resource` and `NotResource` may each be one
 * string or a list (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
 *
 * Wildcards follow the IAM reference: `*` is any run of characters, `?` one character. Action names are
 * case-insensitive, resource ARNs are case-sensitive
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
 */
function stringsOf(functionName: string, field: string, value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  throw new Error(`${functionName}: ${field} must be a string or a list of strings, got ${describe(value)}`);
}

const patterns = new Map<string, RegExp>();

function wildcardMatches(pattern: string, text: string, ignoreCase: boolean): boolean {
  const key = `${ignoreCase ? "i" : "s"}${pattern}`;
  let regex = patterns.get(key);
  if (!regex) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".");
    regex = new RegExp(`^${source}$`, ignoreCase ? "is" : "s");
    if (patterns.size < 4096) patterns.set(key, regex);
  }
  return regex.test(text);
}

/** `iamActionMatches("iam:Pass*", "iam:PassRole")`; the pattern may be a list (any of them matches). */
export function iamActionMatches(pattern: unknown, action: unknown): boolean {
  if (typeof action !== "string")
    throw new Error(`iamActionMatches: action must be a string, got ${describe(action)}`);
  return stringsOf("iamActionMatches", "pattern", pattern).some((p) => wildcardMatches(p, action, true));
}

/** `iamResourceMatches("arn:aws:s3:::logs-*", "arn:aws:s3:::logs-2024")`, case-sensitive. */
export function iamResourceMatches(pattern: unknown, resource: unknown): boolean {
  if (typeof resource !== "string")
    throw new Error(`iamResourceMatches: resource must be a string, got ${describe(resource)}`);
  return stringsOf("iamResourceMatches", "pattern", pattern).some((p) => wildcardMatches(p, resource, false));
}

function statementMap(functionName: string, statement: unknown): Record<string, unknown> {
  if (statement === null || typeof statement !== "object" || Array.isArray(statement))
    throw new Error(`${functionName}: expected a policy statement (a map), got ${describe(statement)}`);
  return statement as Record<string, unknown>;
}

/** The action is in the statement's scope: matched by `Action`, or not matched by `NotAction`. */
function coversAction(functionName: string, s: Record<string, unknown>, action: string): boolean {
  if (s.Action !== undefined) return iamActionMatchesIn(functionName, "Action", s.Action, action);
  if (s.NotAction !== undefined) return !iamActionMatchesIn(functionName, "NotAction", s.NotAction, action);
  throw new Error(`${functionName}: the statement has neither Action nor NotAction`);
}

function coversResource(functionName: string, s: Record<string, unknown>, resource: string): boolean {
  const match = (field: string, value: unknown) =>
    stringsOf(functionName, field, value).some((p) => wildcardMatches(p, resource, false));
  if (s.Resource !== undefined) return match("Resource", s.Resource);
  if (s.NotResource !== undefined) return !match("NotResource", s.NotResource);
  // Resource-based policies (bucket and key policies) may omit Resource: the resource is the policy's owner.
  return true;
}

function iamActionMatchesIn(functionName: string, field: string, patterns: unknown, action: string): boolean {
  return stringsOf(functionName, field, patterns).some((p) => wildcardMatches(p, action, true));
}

/**
 * An Allow statement, without conditions, whose `Action` grants every action (`*`) on every resource (`*`):
 * what AWS's AdministratorAccess policy grants. `NotAction` / `NotResource` statements are not "all" here,
 * since they leave something out; a rule that wants to flag them uses `iamStatementAllows`.
 */
export function iamStatementAllowsAll(statement: unknown): boolean {
  const s = statementMap("iamStatementAllowsAll", statement);
  if (s.Effect !== "Allow" || s.Condition !== undefined) return false;
  if (s.Action === undefined || s.Resource === undefined) return false;
  const actions = stringsOf("iamStatementAllowsAll", "Action", s.Action);
  const resources = stringsOf("iamStatementAllowsAll", "Resource", s.Resource);
  return actions.some((a) => a === "*" || a === "*:*") && resources.includes("*");
}

/**
 * `Effect: Allow` and the statement covers the action (and, with three arguments, the resource). Conditions
 * are not evaluated: the rule decides what a `Condition` changes.
 */
export function iamStatementAllows(statement: unknown, action: unknown, resource?: unknown): boolean {
  return iamStatementHasEffect("iamStatementAllows", "Allow", statement, action, resource);
}

/** `Effect: Deny` and the statement covers the action (and resource): `iamStatementDenies(s, "s3:GetObject")`. */
export function iamStatementDenies(statement: unknown, action: unknown, resource?: unknown): boolean {
  return iamStatementHasEffect("iamStatementDenies", "Deny", statement, action, resource);
}

function iamStatementHasEffect(
  functionName: string,
  effect: "Allow" | "Deny",
  statement: unknown,
  action: unknown,
  resource: unknown,
): boolean {
  const s = statementMap(functionName, statement);
  if (typeof action !== "string")
    throw new Error(`${functionName}: action must be a string, got ${describe(action)}`);
  if (s.Effect !== "Allow" && s.Effect !== "Deny")
    throw new Error(`${functionName}: Effect must be "Allow" or "Deny", got ${describe(s.Effect)}`);
  if (s.Effect !== effect || !coversAction(functionName, s, action)) return false;
  if (resource === undefined) return true;
  if (typeof resource !== "string")
    throw new Error(`${functionName}: resource must be a string, got ${describe(resource)}`);
  return coversResource(functionName, s, resource);
}

/** The statements of a policy document as a list (`Statement` may be one map or a list of maps). */
export function iamStatements(document: unknown): unknown[] {
  const d = statementMap("iamStatements", document);
  const statements = d.Statement;
  if (Array.isArray(statements)) return statements;
  if (statements !== null && typeof statements === "object") return [statements];
  throw new Error(
    `iamStatements: the document's Statement must be a map or a list, got ${describe(statements)}`,
  );
}

/**
 * The principals a statement names for one principal kind (`"AWS"`, `"Service"`, …) as a list; `Principal: "*"`
 * counts as `["*"]` for every kind. No `Principal` gives an empty list (identity policies have none).
 */
export function iamPrincipals(statement: unknown, kind: unknown): string[] {
  const s = statementMap("iamPrincipals", statement);
  if (typeof kind !== "string")
    throw new Error(`iamPrincipals: kind must be a string, got ${describe(kind)}`);
  if (s.Principal === undefined) return [];
  if (s.Principal === "*") return ["*"];
  const principal = statementMap("iamPrincipals", s.Principal);
  const value = principal[kind];
  return value === undefined ? [] : stringsOf("iamPrincipals", `Principal.${kind}`, value);
}

/**
 * Every condition key a statement tests, lower-cased (condition keys are case-insensitive), across all
 * operators: `iamConditionKeys(s).exists(k, k == "aws:sourceip")`.
 */
export function iamConditionKeys(statement: unknown): string[] {
  const s = statementMap("iamConditionKeys", statement);
  if (s.Condition === undefined) return [];
  const keys: string[] = [];
  for (const operands of Object.values(statementMap("iamConditionKeys", s.Condition))) {
    for (const key of Object.keys(statementMap("iamConditionKeys", operands))) keys.push(key.toLowerCase());
  }
  return keys;
}
