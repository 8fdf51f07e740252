import type { ScanReport } from "../core/report.js";
import type { Framework } from "../engine/catalogue.js";

export interface RenderOptions {
  /** A previous report, for "what changed" sections (`--baseline`). */
  baseline?: ScanReport;
  /**
   * Framework control catalogues (rules/frameworks/*.yaml). Coverage sections need them to list the controls
   * no rule covers; without them only the controls named by the report's rules are known.
   */
  frameworks?: Framework[];
  /** SARIF: which findings become results — failures (default), failures and could-not-evaluate, or all. */
  sarifResults?: "fail" | "fail-error" | "all";
  /** CSV: what Excel opens correctly — a UTF-8 byte order mark (non-ASCII intact) before the CRLF rows. */
  excel?: boolean;
}

/**
 * One output format. Renderers are pure (report in, text chunks out) so the CLI writes them to files or
 * stdout and the store streams them over HTTP; formats that allow it yield many small chunks.
 */
export interface Renderer {
  name: string;
  /** File extension without the dot (`json`, `html`, `sarif`). */
  extension: string;
  mediaType: string;
  render(report: ScanReport, options?: RenderOptions): AsyncIterable<string> | Iterable<string>;
}
