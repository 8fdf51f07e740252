/**
 * An AWS tag list (EC2 `Tags`, S3 `TagSet`: `{ Key, Value }` pairs) as the resource's tags. A tag without a key
 * is dropped; one without a value is the empty string, as the console shows it.
 */
export function tagsOf(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  return Object.fromEntries((tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : [])));
}
