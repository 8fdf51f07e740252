import { describe, expect, it } from "vitest";
import {
  decidePassword,
  parseLoginDefs,
  parsePamPassword,
  passwordLengthProblem,
  probePassword,
} from "../../../../src/collectors/device/linux/password.js";
import { fakeHost, recorded } from "./helpers.js";

describe("password parsers", () => {
  it("Debian 12 (recorded on this machine): no ageing (99999 days), pam_unix only without minlen -> no length recorded (pam_unix's default is DEV-PWD-003's), no quality module", () => {
    expect(
      decidePassword(recorded("debian12", "login.defs"), recorded("debian12", "pam-common-password"), []),
    ).toEqual({
      maxAgeDays: 99999,
      minAgeDays: 0,
      warnAgeDays: 7,
      qualityModule: "none",
      pamModules: expect.arrayContaining(["pam_unix"]),
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
      pamModules: expect.arrayContaining(["pam_pwquality", "pam_unix"]),
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
      pamModules: expect.arrayContaining(["pam_pwquality"]),
    });
  });

  it("Ubuntu 24.04: pam_passwdqc min=disabled,24,12,10,8 -> shortest allowed 8, single-class passwords refused", () => {
    expect(decidePassword(undefined, recorded("ubuntu2404", "pam-common-password"), [])).toEqual({
      minLength: 8,
      minClasses: 2,
      qualityModule: "pam_passwdqc",
      pamModules: expect.arrayContaining(["pam_passwdqc"]),
    });
  });

  it("pam_cracklib without minlen: no length recorded (its default 9 is DEV-PWD-003's to state)", () => {
    expect(decidePassword(undefined, "password requisite pam_cracklib.so retry=3 ucredit=-1\n", [])).toEqual({
      minClasses: 1,
      qualityModule: "pam_cracklib",
      pamModules: ["pam_cracklib"],
    });
    expect(decidePassword(undefined, "password requisite pam_passwdqc.so enforce=everyone\n", [])).toEqual({
      qualityModule: "pam_passwdqc",
      pamModules: ["pam_passwdqc"],
    });
  });

  it("a minimum length that is set but unreadable is named, never left for a default", () => {
    expect(passwordLengthProblem("password requisite pam_pwquality.so minlen=twelve\n", [])).toBe(
      "pam_pwquality minlen=twelve is not a number",
    );
    expect(passwordLengthProblem("password requisite pam_pwquality.so\n", ["minlen = x\n"])).toBe(
      "pam_pwquality minlen=x is not a number",
    );
    expect(passwordLengthProblem("password requisite pam_passwdqc.so min=disabled,disabled\n", [])).toBe(
      "pam_passwdqc min=disabled,disabled names no length",
    );
    expect(passwordLengthProblem("password required pam_unix.so minlen=12\n", [])).toBeUndefined();
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
