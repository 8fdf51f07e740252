/** About 64 KiB: large enough that a writer is not called per finding, small enough to never hold a document. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Re-chunk a generator of many small strings (one per field or finding) into chunks of about 64 KiB, so
 * renderers can be written as plain generators without paying a stream write per piece.
 */
export function* chunked(pieces: Iterable<string>, size = CHUNK_CHARS): Generator<string> {
  let parts: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    parts.push(piece);
    length += piece.length;
    if (length >= size) {
      yield parts.join("");
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield parts.join("");
}

/** Collect a renderer's output into one string (tests and small reports only; renderers stream). */
export async function renderToString(chunks: AsyncIterable<string> | Iterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts.join("");
}
