import type { TokenCredential } from "@azure/core-auth";
import { createAzureCollector } from "../../../src/collectors/azure/index.js";
import type { CollectContext } from "../../../src/collectors/types.js";
import type { CollectorError } from "../../../src/core/report.js";
import type { ResourceInput } from "../../../src/core/resource.js";
import { staticTokenCredential } from "../../emulators/azure/credential.js";
import type { ArmEmulator } from "../../emulators/azure/server.js";

export interface Collected {
  resources: Map<string, ResourceInput>;
  errors: CollectorError[];
}

/** Run the real Azure collector against an emulator and keep what it emits. */
export async function collectAzure(
  emulator: ArmEmulator,
  settings: Record<string, unknown>,
  now: Date,
  credential: TokenCredential = staticTokenCredential(),
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
  await createAzureCollector({ credential, agent: emulator.agent }).collect(ctx);
  return { resources, errors };
}
