import { describe, expect, it } from "vitest";
import {
  decidePassword,
  parseLoginDefs,
  parsePamPassword,
  probePassword,
} from "../../../../src/collectors/device/linux/password.js";
import { fakeHost, recorded } from "./helpers.js";

describe("password parsers", () => {
  it("Debian 12 (recorded on this machine): no ageing (99999 days), pam_unix only -> minimum length 6, no quality module", () => {
    expect(
      decidePassword(recorded("debian12", "login.defs"), recorded("debian12", "pam-common-password"), []),
    ).toEqual({
      maxAgeDays: 99999,
      minAgeDays: 0,
      warnAgeDays: 7,
      minLength: 6,
      qualityModule: "none",
    });
  });

  it("Ubuntu 22.04: pam_pwquality with pwquality.conf minlen 12 and two negative credits", () => {
    expect(
      decidePassword(recorded("ubuntu2204", "login.defs"), recorded("ubuntu2204", "pam-common-password"), [
        recorded("ubuntu2204", "pwquality.conf"),
      ]),
    ).toEqual({
      maxAgeDays: 90,
      minAgeDays: 1,
      warnAgeDays: 14,
      minLength: 12,
      minClasses: 2,
      qualityModule: "pam_pwquality",
    });
  });

  it("RHEL 9: module arguments in system-auth override pwquality.conf and its .d files", () => {
    const facts = decidePassword(recorded("rhel9", "login.defs"), recorded("rhel9", "system-auth"), [
      recorded("rhel9", "pwquality.conf"),
      recorded("rhel9", "pwquality.conf.d/50-cis.conf"),
    ]);
    expect(facts).toEqual({
      maxAgeDays: 365,
      minAgeDays: 7,
      warnAgeDays: 7,
      minLength: 15,
      minClasses: 3,
      qualityModule: "pam_pwquality",
    });
  });

  it("Ubuntu 24.04: pam_passwdqc min=disabled,24,12,10,8 -> shortest allowed 8, single-class passwords refused", () => {
    expect(decidePassword(undefined, recorded("ubuntu2404", "pam-common-password"), [])).toEqual({
      minLength: 8,
      minClasses: 2,
      qualityModule: "pam_passwdqc",
    });
  });

  it("pam_cracklib uses its default minlen 9", () => {
    expect(decidePassword(undefined, "password requisite pam_cracklib.so retry=3 ucredit=-1\n", [])).toEqual({
      minLength: 9,
      minClasses: 1,
      qualityModule: "pam_cracklib",
    });
  });

  it("commented PASS_ lines and commented PAM lines are ignored", () => {
    expect(parseLoginDefs("#PASS_MAX_DAYS 30\nPASS_MAX_DAYS\t60\n")).toEqual({ maxAgeDays: 60 });
    expect(
      parsePamPassword("#password requisite pam_pwquality.so\npassword required pam_unix.so minlen=10\n"),
    ).toEqual([{ module: "pam_unix", args: new Map([["minlen", "10"]]) }]);
  });
});

describe("probePassword", () => {
  it("reads the first PAM stack present (system-auth on RHEL) and pwquality.conf.d", async () => {
    const r = await probePassword(
      fakeHost({
        files: {
          "/etc/login.defs": recorded("rhel9", "login.defs"),
          "/etc/pam.d/system-auth": recorded("rhel9", "system-auth"),
          "/etc/security/pwquality.conf": recorded("rhel9", "pwquality.conf"),
          "/etc/security/pwquality.conf.d/50-cis.conf": recorded("rhel9", "pwquality.conf.d/50-cis.conf"),
        },
        dirs: { "/etc/security/pwquality.conf.d": ["50-cis.conf"] },
      }),
    );
    expect(r.attributes.password?.minLength).toBe(15);
    expect(r.sources.password).toBe(
      "file: /etc/login.defs; file: /etc/pam.d/system-auth; file: /etc/security/pwquality.conf; file: /etc/security/pwquality.conf.d/50-cis.conf",
    );
  });

  it("nothing readable is unreadable", async () => {
    const r = await probePassword(fakeHost({}));
    expect(r.unreadable.password).toBeDefined();
  });
});
