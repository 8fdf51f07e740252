import { readFile } from "node:fs/promises";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, Scalar } from "yaml";
import type { z } from "zod";
import type { Diagnostic, SourceLocation } from "../core/errors.js";
import { precompiledYaml } from "./yaml-cache.js";

/**
 * A parsed YAML file that remembers where every value came from, so a problem found later (a zod issue,
 * a CEL syntax error) can name the file, line and column.
 */
export interface YamlSource {
  file: string;
  text: string;
  value: unknown;
  /** Location of the node at a path (`["rules", 0, "assert"]`); falls back to the nearest parent. */
  locate(path: readonly PropertyKey[]): SourceLocation;
  /** Location of a character offset inside the scalar at `path` (for errors inside an expression). */
  locateInScalar(path: readonly PropertyKey[], offset: number): SourceLocation;
  syntaxErrors: Diagnostic[];
}

export async function readYamlSource(file: string): Promise<YamlSource> {
  const text = await readFile(file, "utf8");
  const precompiled = precompiledYaml(text);
  if (!precompiled) return parseYamlSource(file, text);
  // Served from the build's cache; positions are parsed only if something asks where a problem is.
  let full: YamlSource | undefined;
  const positions = () => {
    full ??= parseYamlSource(file, text);
    return full;
  };
  return {
    file,
    text,
    value: precompiled.value,
    syntaxErrors: [],
    locate: (path) => positions().locate(path),
    locateInScalar: (path, offset) => positions().locateInScalar(path, offset),
  };
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const syntaxErrors: Diagnostic[] = doc.errors.map((e) => ({
    code: "YAML_SYNTAX",
    message: e.message.split("\n")[0] ?? e.message,
    location: at(e.pos[0]),
  }));

  const nodeAt = (path: readonly PropertyKey[]): Node | undefined => {
    let node: unknown = doc.contents;
    let found: Node | undefined = doc.contents ?? undefined;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair) break;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof key === "number") {
        node = node.items[key];
      } else break;
      if (node && typeof node === "object" && "range" in node) found = node as Node;
    }
    return found;
  };

  return {
    file,
    text,
    value: syntaxErrors.length ? undefined : doc.toJS(),
    syntaxErrors,
    locate(path) {
      const node = nodeAt(path);
      return node?.range ? at(node.range[0]) : { file, line: 1, column: 1 };
    },
    locateInScalar(path, offset) {
      const node = nodeAt(path);
      if (!node?.range || !isScalar(node)) return this.locate(path);
      return at(scalarOffset(text, node, offset));
    },
  };
}

/** Map an offset inside a scalar's value to an offset in the file, for plain, quoted and block scalars. */
function scalarOffset(text: string, node: Scalar, offset: number): number {
  const start = node.range?.[0] ?? 0;
  if (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) return start + 1 + offset;
  if (node.type !== Scalar.BLOCK_LITERAL && node.type !== Scalar.BLOCK_FOLDED) return start + offset;
  // Block scalar: the header line, then content lines with a common indentation. Walk the value's
  // characters line by line against the source lines.
  const headerEnd = text.indexOf("\n", start);
  let cursor = headerEnd + 1;
  let remaining = offset;
  let blockIndent: number | undefined;
  while (cursor < text.length) {
    const next = text.indexOf("\n", cursor);
    const lineEnd = next === -1 ? text.length : next;
    const line = text.slice(cursor, lineEnd);
    // The block's indentation is set by its first line; deeper indentation is part of the value.
    blockIndent ??= line.length - line.trimStart().length;
    const content = Math.max(0, line.length - blockIndent);
    if (remaining <= content) return cursor + blockIndent + remaining;
    remaining -= content + 1;
    cursor = lineEnd + 1;
  }
  return start;
}

/** Turn zod issues into diagnostics located in the YAML source. */
export function zodDiagnostics(
  source: YamlSource,
  error: z.ZodError,
  code: string,
  basePath: PropertyKey[] = [],
): Diagnostic[] {
  return error.issues.map((issue) => {
    const path = [...basePath, ...issue.path];
    let message = issue.message;
    if (issue.code === "unrecognized_keys")
      message = `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    const keyPath = issue.code === "unrecognized_keys" && issue.keys[0] ? [...path, issue.keys[0]] : path;
    return {
      code,
      message,
      location: source.locate(keyPath),
      field: path.length ? path.join(".") : undefined,
    };
  });
}
