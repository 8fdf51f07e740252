import { existsSync } from "node:fs";
import { z } from "zod";
import { DiagnosticsError } from "../core/errors.js";
import type { Finding } from "../core/finding.js";
import type { Resource } from "../core/resource.js";
import { readYamlSource, zodDiagnostics } from "./yaml-source.js";

/**
 * Accepted risks. An exception turns a matching failure into an excepted failure: the finding stays `fail`
 * and visible with the owner, reason and expiry; after the expiry date it no longer applies.
 */
const dateLike = z
  .union([z.iso.date(), z.iso.datetime(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString() : v));

export const ExceptionSchema = z.strictObject({
  rule: z.string().min(1),
  /** Matches the resource uid or name; `*` is a wildcard. Omit to cover every resource of the rule. */
  resource: z.string().min(1).optional(),
  owner: z.string().min(1),
  reason: z.string().min(1),
  expires: dateLike,
});
export const ExceptionsFileSchema = z.strictObject({ exceptions: z.array(ExceptionSchema) });
export type RiskException = z.infer<typeof ExceptionSchema>;

export async function loadExceptions(file: string): Promise<RiskException[]> {
  if (!existsSync(file))
    throw new DiagnosticsError("EXCEPTIONS_INVALID", "exceptions file not found", [
      { code: "EXCEPTIONS_MISSING", message: "no such file", location: { file } },
    ]);
  const source = await readYamlSource(file);
  if (source.syntaxErrors.length)
    throw new DiagnosticsError("EXCEPTIONS_INVALID", `${file} is not valid YAML`, source.syntaxErrors);
  const parsed = ExceptionsFileSchema.safeParse(source.value);
  if (!parsed.success)
    throw new DiagnosticsError(
      "EXCEPTIONS_INVALID",
      `${file} is not a valid exceptions file`,
      zodDiagnostics(source, parsed.error, "EXCEPTIONS_INVALID"),
    );
  return parsed.data.exceptions;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*");
  return new RegExp(`^${escaped}$`);
}

/** Expiry is inclusive: an exception dated 2027-01-31 still applies during that day (UTC). */
export function isExpired(exception: RiskException, now: Date): boolean {
  const end =
    exception.expires.length === 10
      ? Date.parse(`${exception.expires}T23:59:59.999Z`)
      : Date.parse(exception.expires);
  return now.getTime() > end;
}

export interface ExceptionOutcome {
  findings: Finding[];
  expired: RiskException[];
}

export function applyExceptions(
  findings: Finding[],
  resources: Map<string, Resource>,
  exceptions: RiskException[],
  now: Date,
): ExceptionOutcome {
  if (exceptions.length === 0) return { findings, expired: [] };
  const active = exceptions
    .filter((e) => !isExpired(e, now))
    .map((e) => ({ e, match: e.resource ? globToRegExp(e.resource) : undefined }));
  const expired = exceptions.filter((e) => isExpired(e, now));
  const out = findings.map((finding) => {
    if (finding.status !== "fail") return finding;
    const resource = resources.get(finding.resourceUid);
    const hit = active.find(
      ({ e, match }) =>
        e.rule === finding.ruleId &&
        (!match || match.test(finding.resourceUid) || (resource !== undefined && match.test(resource.name))),
    );
    return hit
      ? { ...finding, exception: { owner: hit.e.owner, reason: hit.e.reason, expires: hit.e.expires } }
      : finding;
  });
  return { findings: out, expired };
}
