import { describe, expect, it } from "vitest";
import { probeMdm } from "../../../../src/collectors/device/linux/mdm.js";
import { fakeHost } from "./helpers.js";

describe("probeMdm (Linux)", () => {
  it("no MDM agent: no fact and no reason, so the MDM rule does not apply", async () => {
    const r = await probeMdm(fakeHost({ processes: ["systemd", "sshd"] }));
    expect(r).toEqual({ attributes: {}, sources: {}, unreadable: {} });
  });

  it("Intune's agent installed: reported for a person to confirm, naming the agent (never a guessed pass)", async () => {
    const r = await probeMdm(
      fakeHost({ files: { "/opt/microsoft/intune/bin/intune-portal": "" }, processes: ["intune-agent"] }),
    );
    expect(r.attributes.mdm).toBeUndefined();
    expect(r.unreadable.mdm).toMatch(
      /Microsoft Intune \(intune-portal\) is installed \(intune-agent running\)/,
    );
    expect(r.sources.mdm).toContain("/opt/microsoft/intune/bin/intune-portal");
  });
});
