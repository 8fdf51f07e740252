import type { Renderer } from "./types.js";

/** Format name → lazy loader, so a scan loads only the renderers it writes. One line per format. */
export const rendererLoaders: Record<string, () => Promise<Renderer>> = {
  json: async () => (await import("./json.js")).jsonRenderer,
  html: async () => (await import("./html.js")).htmlRenderer,
  coverage: async () => (await import("./coverage.js")).coverageRenderer,
  csv: async () => (await import("./csv.js")).csvRenderer,
  ocsf: async () => (await import("./ocsf.js")).ocsfRenderer,
  "ocsf-jsonl": async () => (await import("./ocsf.js")).ocsfLinesRenderer,
  oscal: async () => (await import("./oscal.js")).oscalRenderer,
  sarif: async () => (await import("./sarif.js")).sarifRenderer,
  junit: async () => (await import("./junit.js")).junitRenderer,
};

export function formatNames(): string[] {
  return Object.keys(rendererLoaders);
}

export async function loadRenderer(name: string): Promise<Renderer | undefined> {
  const load = rendererLoaders[name];
  return load ? load() : undefined;
}
