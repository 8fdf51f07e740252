import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadFrameworks } from "../../src/engine/catalogue.js";
import { BUILTIN_FRAMEWORKS_DIR, BUILTIN_RULES_DIR } from "../../src/engine/paths.js";

const frameworks = await loadFrameworks(BUILTIN_FRAMEWORKS_DIR);
const byId = (framework: string) => {
  const fw = frameworks.find((f) => f.framework === framework);
  if (!fw) throw new Error(`no ${framework} catalogue`);
  return fw;
};
const rulesOf = (framework: string, control: string) =>
  byId(framework).controls.find((c) => c.id === control)?.rules ?? [];

describe("shipped framework catalogues", () => {
  it("ISO/IEC 27001:2022 lists all 93 Annex A controls once", () => {
    const ids = byId("iso27001-2022").controls.map((c) => c.id);
    expect(ids).toHaveLength(93);
    expect(new Set(ids).size).toBe(93);
  });

  it("Cyber Essentials is v3.3, cites the NCSC document and labels its ids as Assay's own", async () => {
    const ce = byId("cyber-essentials");
    expect(ce.version).toBe("3.3");
    expect(ce.source).toMatch(/NCSC, Cyber Essentials: Requirements for IT infrastructure v3\.3/);
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(`${BUILTIN_FRAMEWORKS_DIR}/cyber-essentials.yaml`, "utf8");
    expect(text).toMatch(/ids \(SCOPE-1, FW-1 … MP-4\) are Assay's own/);
    expect(ce.controls.find((c) => c.id === "SCOPE-1")?.title).toMatch(/cannot be excluded/);
    expect(ce.controls.find((c) => c.id === "UA-4")?.title).toMatch(/every user/);
    expect(ce.controls.find((c) => c.id === "SU-4")?.title).toMatch(/14 days/);
  });

  it("Cyber Essentials maps no rule to a requirement it does not check", () => {
    // The firewall's own admin interface is not host SSH/RDP exposure.
    expect(rulesOf("cyber-essentials", "FW-3")).toEqual([]);
    for (const rule of ["AWS-EC2-001", "AWS-EC2-002", "AZ-NSG-001", "AZ-NSG-002", "GCP-FW-001", "GCP-FW-002"])
      expect(rulesOf("cyber-essentials", "FW-4")).toContain(rule);
    // Unlocking that limits guesses is not screen-lock idle time.
    expect(rulesOf("cyber-essentials", "SC-6")).not.toContain("DEV-SCR-001");
    // Lockout limits guesses (SC-6, UA-8); it says nothing about password length (UA-7).
    expect(rulesOf("cyber-essentials", "SC-6")).toContain("DEV-LCK-001");
    expect(rulesOf("cyber-essentials", "UA-8")).toContain("DEV-LCK-001");
    expect(rulesOf("cyber-essentials", "UA-7")).not.toContain("DEV-LCK-001");
    // A refreshed package index is not 14-day patching.
    expect(rulesOf("cyber-essentials", "SU-4")).not.toContain("DEV-PATCH-004");
    // On-access scanning is its own requirement: only a rule that reads real-time protection evidences it.
    for (const rule of rulesOf("cyber-essentials", "MP-3")) {
      const file = readFileSync(join(BUILTIN_RULES_DIR, "malware", `${rule}.yaml`), "utf8");
      expect(file, rule).toMatch(/realTimeProtection/);
    }
    // Complexity and forced expiry are not Cyber Essentials requirements.
    for (const control of byId("cyber-essentials").controls)
      for (const rule of ["AWS-IAM-008", "AWS-IAM-010", "DEV-PWD-001"])
        expect(control.rules, control.id).not.toContain(rule);
  });

  it("the GDPR catalogue names the UK GDPR beside Regulation (EU) 2016/679", () => {
    const gdpr = byId("gdpr-art32");
    expect(gdpr.title).toMatch(/UK GDPR/);
    expect(gdpr.source).toMatch(/Regulation \(EU\) 2016\/679/);
    expect(gdpr.source).toMatch(/UK GDPR/);
  });
});
