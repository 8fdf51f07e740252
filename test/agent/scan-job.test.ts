import { describe, expect, it } from "vitest";
import { withUpdateHistory } from "../../src/agent/scan-job.js";
import { statePaths } from "../../src/agent/state.js";

describe("agent scan job settings", () => {
  it("keeps the device's update history in the agent's state folder unless the job's config names a file", () => {
    const file = statePaths("/var/lib/assay-agent").updateHistory;
    expect(file).toBe("/var/lib/assay-agent/update-history.json");
    expect(withUpdateHistory({ scan: {} }, file)).toEqual({ scan: {}, device: { updateHistory: file } });
    expect(withUpdateHistory({ device: { timeoutMs: 5000 } }, file)).toEqual({
      device: { timeoutMs: 5000, updateHistory: file },
    });
    // An explicit choice in the job's assay.yaml (a path, or false for none) wins.
    expect(withUpdateHistory({ device: { updateHistory: false } }, file)).toEqual({
      device: { updateHistory: false },
    });
    expect(withUpdateHistory({ device: { updateHistory: "/srv/h.json" } }, file)).toEqual({
      device: { updateHistory: "/srv/h.json" },
    });
  });
});
