import { createGcpCollector } from "../../../src/collectors/gcp/index.js";
import type { CollectContext } from "../../../src/collectors/types.js";
import type { CollectorError } from "../../../src/core/report.js";
import type { ResourceInput } from "../../../src/core/resource.js";
import { staticTokenAuth } from "../../emulators/gcp/credential.js";
import type { GcpEmulator } from "../../emulators/gcp/server.js";

export interface Collected {
  resources: Map<string, ResourceInput>;
  errors: CollectorError[];
}

/** Run the real GCP collector against an emulator and keep what it emits. */
export async function collectGcp(
  emulator: GcpEmulator,
  settings: Record<string, unknown>,
  now: Date,
): Promise<Collected> {
  const resources = new Map<string, ResourceInput>();
  const errors: CollectorError[] = [];
  const ctx: CollectContext = {
    settings: { endpoint: emulator.endpoint, ...settings },
    now,
    signal: new AbortController().signal,
    emit: (r) => {
      if (resources.has(r.uid)) throw new Error(`emitted twice: ${r.uid}`);
      resources.set(r.uid, r);
    },
    reportError: (e) => errors.push({ ...e, resourceTypes: e.resourceTypes ?? [] }),
    progress: () => {},
  };
  await createGcpCollector({ auth: staticTokenAuth() }).collect(ctx);
  return { resources, errors };
}
