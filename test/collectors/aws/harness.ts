import { awsCollector } from "../../../src/collectors/aws/index.js";
import type { CollectContext, ProgressEvent } from "../../../src/collectors/types.js";
import type { CollectorError } from "../../../src/core/report.js";
import { type Resource, ResourceSchema } from "../../../src/core/resource.js";
import { CALLER, SEED_NOW } from "../../emulators/aws/seed.js";

export interface CollectedRun {
  resources: Resource[];
  errors: Omit<CollectorError, "resourceTypes">[] & { resourceTypes?: string[] }[];
  progress: ProgressEvent[];
  find(type: string, name: string): Resource;
  ofType(type: string): Resource[];
}

/** Settings that point the real SDK clients at the emulator with the static test credentials. */
export function emulatorSettings(
  endpoint: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { endpoint, forcePathStyle: true, credentials: CALLER, maxAttempts: 5, ...extra };
}

/** Run the collector the way the scan pipeline does: a context that records what it emits. */
export async function collect(settings: Record<string, unknown>): Promise<CollectedRun> {
  const resources: Resource[] = [];
  const errors: CollectedRun["errors"] = [];
  const progress: ProgressEvent[] = [];
  const ctx: CollectContext = {
    settings,
    now: SEED_NOW,
    signal: new AbortController().signal,
    emit: (r) => resources.push(ResourceSchema.parse(r)),
    reportError: (e) => errors.push(e),
    progress: (p) => progress.push(p),
  };
  await awsCollector.collect(ctx);
  return {
    resources,
    errors,
    progress,
    ofType: (type) => resources.filter((r) => r.type === type),
    find(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
      return found[0] as Resource;
    },
  };
}
