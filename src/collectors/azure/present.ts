/**
 * `{ key: value }` when the API returned a value, `{}` when it returned nothing (absent or null): a fact is
 * what the API said, never a default filled in on its behalf.
 */
export function present<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V };
}
