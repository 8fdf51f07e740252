import { z } from "zod";

/**
 * A text filter from a query string. Control characters (NUL included) and lone surrogates can match
 * nothing a report may hold, and PostgreSQL refuses NUL in text outright (a 500 before this check), so
 * they are refused with a 400 naming the parameter rather than passed to the database.
 */
export const QueryText = z
  .string()
  .max(2048)
  .refine((s) => !hasControlCharacter(s), "must not contain control characters")
  // With the u flag a paired surrogate is one code point, so \p{Cs} matches only lone halves.
  .refine((s) => !/\p{Cs}/u.test(s), "must be well-formed Unicode (no lone surrogates)");

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
