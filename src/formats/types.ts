import type { ScanReport } from "../core/report.js";

export interface RenderOptions {
  /** A previous report, for "what changed" sections (`--baseline`). */
  baseline?: ScanReport;
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
