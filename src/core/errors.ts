/**
 * Errors are values with a stable code and a sentence for a human. The CLI prints the sentence and exits
 * non-zero; a stack trace is only for bugs, never for a user's mistake.
 */
export class AssayError extends Error {
  readonly code: string;
  /** Where the problem is, when it is in a file: path, 1-based line and column. */
  readonly location?: SourceLocation;
  readonly details?: unknown;

  constructor(
    code: string,
    message: string,
    options: { location?: SourceLocation; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AssayError";
    this.code = code;
    this.location = options.location;
    this.details = options.details;
  }
}

export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export function formatLocation(location: SourceLocation): string {
  if (location.line === undefined) return location.file;
  return `${location.file}:${location.line}:${location.column ?? 1}`;
}

/** One problem found while checking an input (a rule file, a config); many may be reported at once. */
export interface Diagnostic {
  code: string;
  message: string;
  location: SourceLocation;
  /** The field the problem is in, as a dotted path (`rules.0.assert`). */
  field?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = formatLocation(d.location);
  return `${where}: ${d.field ? `${d.field}: ` : ""}${d.message} [${d.code}]`;
}

export class DiagnosticsError extends AssayError {
  readonly diagnostics: Diagnostic[];
  constructor(code: string, message: string, diagnostics: Diagnostic[]) {
    super(code, `${message}\n${diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join("\n")}`);
    this.diagnostics = diagnostics;
  }
}
