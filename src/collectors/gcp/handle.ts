import type { CollectContext } from "../types.js";
import type { GoogleApis } from "./apis.js";
import type { GcpSettings } from "./settings.js";

/** What the GCP resource types are given: the API clients, the settings, and the scan's context. */
export interface GcpHandle {
  apis: GoogleApis;
  settings: GcpSettings;
  collect: CollectContext;
}

export const COLLECTOR = "gcp";

/** Note an API that is switched off in a project: nothing of its kind can exist there, so it is no error. */
export function noteDisabled(handle: GcpHandle, scope: string): void {
  handle.collect.progress({
    collector: COLLECTOR,
    scope: `${scope} (API disabled)`,
    phase: "done",
    resources: 0,
  });
}
