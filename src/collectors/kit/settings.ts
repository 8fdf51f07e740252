import type { z } from "zod";
import { AssayError } from "../../core/errors.js";

/** One problem with a collector's settings, by its path in assay.yaml (`aws.regions[1]`). */
export interface SettingProblem {
  path: string;
  message: string;
}

/** `regions.1` → `regions[1]`: how a user finds the place in assay.yaml. */
export function settingPath(section: string, path: readonly PropertyKey[]): string {
  let out = section;
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return out;
}

/** Throw the problems as one user error (exit 2): one line per setting, each naming it. */
export function throwSettingProblems(section: string, problems: readonly SettingProblem[]): never {
  const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join("\n");
  throw new AssayError(
    "COLLECTOR_SETTINGS_INVALID",
    `the ${section} settings are not valid, so nothing was scanned:\n${lines}`,
  );
}

/**
 * Parse a collector's settings section, then run the provider's own checks (region names, id formats) on the
 * parsed value; every problem is reported at once, each naming its setting. Runs before any API call.
 */
export function parseSettings<S extends z.ZodType>(
  section: string,
  schema: S,
  raw: unknown,
  check?: (settings: z.infer<S>) => SettingProblem[],
): z.infer<S> {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    throwSettingProblems(
      section,
      parsed.error.issues.map((issue) => ({
        path: settingPath(section, issue.path),
        message:
          issue.code === "unrecognized_keys"
            ? `unknown setting${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`
            : issue.message,
      })),
    );
  }
  const problems = check?.(parsed.data) ?? [];
  if (problems.length > 0) throwSettingProblems(section, problems);
  return parsed.data;
}
