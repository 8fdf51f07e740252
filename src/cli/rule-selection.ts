import { AssayError } from "../core/errors.js";
import { type Severity, SeveritySchema } from "../core/finding.js";

/** Which loaded rules a scan evaluates: `--rules` ids to include, `--skip-rules` ids, `--min-severity`. */
export interface RuleSelection {
  include?: string[];
  skip?: string[];
  minSeverity?: Severity;
}

const ids = (text: string | undefined) =>
  text
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Parse the flags; a bad severity is a usage error naming the flag and the allowed values. */
export function parseRuleSelection(options: {
  rules?: string;
  skipRules?: string;
  minSeverity?: string;
}): RuleSelection {
  const selection: RuleSelection = { include: ids(options.rules), skip: ids(options.skipRules) };
  if (options.minSeverity !== undefined) {
    const parsed = SeveritySchema.safeParse(options.minSeverity);
    if (!parsed.success)
      throw new AssayError(
        "USAGE",
        `--min-severity must be one of ${SeveritySchema.options.join(", ")} (got "${options.minSeverity}")`,
      );
    selection.minSeverity = parsed.data;
  }
  return selection;
}

/**
 * Keep the rules the selection asks for. An id given to `--rules` or `--skip-rules` that no loaded rule has is
 * a usage error: a typo would otherwise silently scan everything (or nothing) and report it as compliant.
 */
export function selectRules<T extends { summary: { id: string; severity: Severity } }>(
  rules: T[],
  selection: RuleSelection,
): T[] {
  const known = new Set(rules.map((r) => r.summary.id));
  for (const [flag, list] of [
    ["--rules", selection.include],
    ["--skip-rules", selection.skip],
  ] as const) {
    const unknown = (list ?? []).filter((id) => !known.has(id));
    if (unknown.length)
      throw new AssayError(
        "USAGE",
        `${flag}: no loaded rule has the id ${unknown.join(", ")}` +
          (unknown.some((id) => id.includes("/") || id.startsWith("."))
            ? " (rule folders are given with --rule-dir)"
            : ""),
      );
  }
  const include = selection.include?.length ? new Set(selection.include) : undefined;
  const skip = new Set(selection.skip ?? []);
  const order = SeveritySchema.options;
  const floor = selection.minSeverity ? order.indexOf(selection.minSeverity) : 0;
  const kept = rules.filter(
    ({ summary: r }) =>
      (!include || include.has(r.id)) && !skip.has(r.id) && order.indexOf(r.severity) >= floor,
  );
  if (kept.length === 0)
    throw new AssayError(
      "USAGE",
      "the rule selection (--rules, --skip-rules, --min-severity) leaves no rule",
    );
  return kept;
}
