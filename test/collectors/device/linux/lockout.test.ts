import { describe, expect, it } from "vitest";
import {
  decideLockout,
  parseFaillockConf,
  probeLockout,
} from "../../../../src/collectors/device/linux/lockout.js";
import { fakeHost, recorded } from "./helpers.js";

const fixture = (name: string) => recorded("pam-lockout", name);

describe("lockout parsers", () => {
  it("faillock.conf: the shipped file sets nothing; uncommented settings are read", () => {
    expect([...parseFaillockConf(fixture("faillock.conf-shipped"))]).toEqual([]);
    expect(Object.fromEntries(parseFaillockConf(fixture("faillock.conf-deny5")))).toEqual({
      deny: "5",
      unlock_time: "900",
    });
    expect(Object.fromEntries(parseFaillockConf("silent\neven_deny_root\ndeny=4\n"))).toEqual({
      silent: "",
      even_deny_root: "",
      deny: "4",
    });
  });

  it("authselect with-faillock and the shipped faillock.conf: nothing set, so nothing recorded but the module", () => {
    // faillock.conf(5)'s defaults (deny 3, …) are DEV-LCK-001's to state, not the parser's.
    expect(decideLockout(fixture("system-auth-with-faillock"), fixture("faillock.conf-shipped"))).toEqual({
      mechanism: "pam_faillock",
    });
  });

  it("a setting that is set but not a number is unreadable, never a default", () => {
    expect(decideLockout("auth required pam_faillock.so authfail deny=three", undefined)).toEqual({
      unreadable: "pam_faillock deny=three is not a number",
    });
  });

  it("faillock.conf settings apply; arguments on the module line override them", () => {
    expect(decideLockout(fixture("system-auth-with-faillock"), fixture("faillock.conf-deny5"))).toMatchObject(
      {
        maxAttempts: 5,
        unlockSeconds: 900,
      },
    );
    expect(decideLockout(fixture("system-auth-stig"), fixture("faillock.conf-deny5"))).toEqual({
      maxAttempts: 3,
      windowSeconds: 900,
      unlockSeconds: 0,
      mechanism: "pam_faillock",
    });
  });

  it("no pam_faillock in the stack (Ubuntu's default), or only its preauth call: accounts never lock", () => {
    expect(decideLockout(fixture("common-auth-ubuntu"), fixture("faillock.conf-deny5"))).toEqual({
      maxAttempts: 0,
      mechanism: "none",
    });
    const preauthOnly = fixture("system-auth-with-faillock")
      .split("\n")
      .filter((l) => !/authfail/.test(l))
      .join("\n");
    expect(decideLockout(preauthOnly, undefined)).toEqual({ maxAttempts: 0, mechanism: "none" });
  });

  it("deny=0 turns locking off; pam_tally2 without deny only counts", () => {
    expect(decideLockout("auth required pam_faillock.so authfail deny=0", undefined)).toEqual({
      maxAttempts: 0,
      mechanism: "pam_faillock",
    });
    // pam_tally2(8) has no default deny; the rule, not the parser, says what an unset deny means.
    expect(decideLockout("auth required pam_tally2.so onerr=fail", undefined)).toEqual({
      mechanism: "pam_tally2",
    });
    expect(decideLockout("auth required pam_tally2.so deny=5 unlock_time=900", undefined)).toEqual({
      maxAttempts: 5,
      unlockSeconds: 900,
      mechanism: "pam_tally2",
    });
  });
});

describe("probeLockout", () => {
  it("RHEL: system-auth with faillock and faillock.conf, both named as sources", async () => {
    const r = await probeLockout(
      fakeHost({
        files: {
          "/etc/pam.d/system-auth": fixture("system-auth-with-faillock"),
          "/etc/security/faillock.conf": fixture("faillock.conf-deny5"),
        },
      }),
    );
    expect(r.attributes.lockout).toMatchObject({ maxAttempts: 5, mechanism: "pam_faillock" });
    expect(r.sources.lockout).toBe("file: /etc/pam.d/system-auth; file: /etc/security/faillock.conf");
  });

  it("Ubuntu: common-auth without pam_faillock", async () => {
    const r = await probeLockout(
      fakeHost({ files: { "/etc/pam.d/common-auth": fixture("common-auth-ubuntu") } }),
    );
    expect(r.attributes.lockout).toEqual({ maxAttempts: 0, mechanism: "none" });
  });

  it("no readable auth stack, or an unreadable faillock.conf under pam_faillock: unreadable with the reason", async () => {
    const none = await probeLockout(fakeHost({ files: { "/etc/pam.d/common-auth": null } }));
    expect(none.attributes.lockout).toBeUndefined();
    expect(none.unreadable.lockout).toMatch(/no PAM auth stack is readable/);
    const denied = await probeLockout(
      fakeHost({
        files: {
          "/etc/pam.d/system-auth": fixture("system-auth-with-faillock"),
          "/etc/security/faillock.conf": null,
        },
      }),
    );
    expect(denied.attributes.lockout).toBeUndefined();
    expect(denied.unreadable.lockout).toMatch(/faillock.conf/);
  });
});
