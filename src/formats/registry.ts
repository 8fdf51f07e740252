import type { Renderer } from "./types.js";

/** Format name → lazy loader, so a scan loads only the renderers it writes. One line per format. */
export const rendererLoaders: Record<string, () => Promise<Renderer>> = {
  json: async () => (await import("./json.js")).jsonRenderer,
};

export function formatNames(): string[] {
  return Object.keys(rendererLoaders);
}

export async function loadRenderer(name: string): Promise<Renderer | undefined> {
  const load = rendererLoaders[name];
  return load ? load() : undefined;
}
