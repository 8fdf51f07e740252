import type { Environment } from "@marcbachmann/cel-js";
import { cidrContains, cidrOverlaps, isAnyAddress } from "./cidr.js";
import {
  iamActionMatches,
  iamConditionKeys,
  iamPrincipals,
  iamResourceMatches,
  iamStatementAllows,
  iamStatementAllowsAll,
  iamStatementDenies,
  iamStatements,
} from "./iam.js";
import { portInFromTo, portInRange, portRangesOverlap } from "./ports.js";

/**
 * The functions Assay adds to CEL so that judgements ("open to the world", "administrator policy") are written
 * in rules over raw facts. Registered once in the one CEL environment (`cel.ts`), so `rules lint` type-checks
 * calls against these signatures. Arguments are `dyn` because facts arrive as JSON: a port may be a number, a
 * string or a list depending on the provider, and each function checks the value and raises an error naming
 * it when it cannot use it (the finding is then `error`, never `pass`).
 *
 * The fast path (`fast-path.ts`) does not compile calls to these functions: an expression that uses one is
 * evaluated by cel-js, decided when the rule is compiled.
 */
export interface AssayCelFunction {
  signature: string;
  handler: (...args: never[]) => unknown;
  description: string;
}

export const ASSAY_CEL_FUNCTIONS: readonly AssayCelFunction[] = [
  {
    signature: "cidrContains(dyn, dyn): bool",
    handler: cidrContains,
    description: "every address of the second address or CIDR is in the first (IPv4 or IPv6)",
  },
  {
    signature: "cidrOverlaps(dyn, dyn): bool",
    handler: cidrOverlaps,
    description: "the two addresses or CIDR prefixes share an address",
  },
  {
    signature: "isAnyAddress(dyn): bool",
    handler: isAnyAddress,
    description: 'a /0 prefix (0.0.0.0/0, ::/0) or "*"; a service tag name is false',
  },
  {
    signature: "portInRange(dyn, dyn): bool",
    handler: portInRange,
    description: 'the port is in a range: 22, "22", "20-25", "*", "all", -1 (all) or a list of those',
  },
  {
    signature: "portInRange(dyn, dyn, dyn): bool",
    handler: portInFromTo,
    description: "the port is in from..to (AWS FromPort/ToPort; -1 means every port)",
  },
  {
    signature: "portRangesOverlap(dyn, dyn): bool",
    handler: portRangesOverlap,
    description: "some port is in both ranges (same forms as portInRange)",
  },
  {
    signature: "iamActionMatches(dyn, dyn): bool",
    handler: iamActionMatches,
    description: "an IAM action pattern (or list) with * and ? matches the action, case-insensitively",
  },
  {
    signature: "iamResourceMatches(dyn, dyn): bool",
    handler: iamResourceMatches,
    description: "an IAM resource pattern (or list) with * and ? matches the ARN, case-sensitively",
  },
  {
    signature: "iamStatementAllowsAll(dyn): bool",
    handler: iamStatementAllowsAll,
    description: 'Allow, no Condition, Action "*" on Resource "*" (administrator)',
  },
  {
    signature: "iamStatementAllows(dyn, dyn): bool",
    handler: iamStatementAllows,
    description: "Allow and the statement's Action/NotAction covers the action",
  },
  {
    signature: "iamStatementAllows(dyn, dyn, dyn): bool",
    handler: iamStatementAllows,
    description: "Allow and the statement covers the action and the resource (Resource/NotResource)",
  },
  {
    signature: "iamStatementDenies(dyn, dyn): bool",
    handler: iamStatementDenies,
    description: "Deny and the statement's Action/NotAction covers the action",
  },
  {
    signature: "iamStatementDenies(dyn, dyn, dyn): bool",
    handler: iamStatementDenies,
    description: "Deny and the statement covers the action and the resource",
  },
  {
    signature: "iamStatements(dyn): list",
    handler: iamStatements,
    description: "a policy document's Statement as a list (one map or a list)",
  },
  {
    signature: "iamPrincipals(dyn, dyn): list<string>",
    handler: iamPrincipals,
    description: 'the principals of one kind ("AWS", "Service"); Principal "*" gives ["*"]',
  },
  {
    signature: "iamConditionKeys(dyn): list<string>",
    handler: iamConditionKeys,
    description: "every condition key the statement tests, lower-cased",
  },
];

/** The names of the functions above, for the fast path's static decision. */
export const ASSAY_CEL_FUNCTION_NAMES: ReadonlySet<string> = new Set(
  ASSAY_CEL_FUNCTIONS.map((f) => f.signature.slice(0, f.signature.indexOf("("))),
);

export function registerAssayFunctions(environment: Environment): Environment {
  for (const { signature, handler, description } of ASSAY_CEL_FUNCTIONS)
    environment.registerFunction(signature, handler as (...args: unknown[]) => unknown, { description });
  return environment;
}
