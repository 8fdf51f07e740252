import type { z } from "zod";
import { HttpError } from "./http-error.js";
import { assertStorable } from "./input-rules.js";

/**
 * zod at the HTTP boundary: the first issue becomes a 400 naming the field. Text the store could not
 * keep or compare faithfully (NUL, other control characters, lone surrogates) is refused first.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  assertStorable(value, what, "STORE_BAD_REQUEST");
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join(".") || "(root)";
  throw new HttpError(400, "STORE_BAD_REQUEST", `Invalid ${what}: ${field}: ${issue.message}`, field);
}
