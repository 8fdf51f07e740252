import { describe, expect, it } from "vitest";
import {
  emptyPasswordUsers,
  extraUidZero,
  localAdmins,
  probeAccounts,
} from "../../../../src/collectors/device/linux/accounts.js";
import { fakeHost, recorded } from "./helpers.js";

describe("accounts parsers", () => {
  it("Ubuntu 22.04: bob has an empty password; locked (!, *) accounts are not empty", () => {
    expect(emptyPasswordUsers(recorded("ubuntu2204", "shadow"))).toEqual(["bob"]);
    expect(extraUidZero(recorded("ubuntu2204", "passwd"))).toEqual([]);
    expect(localAdmins(recorded("ubuntu2204", "group"), recorded("ubuntu2204", "passwd"))).toEqual(["alice"]);
  });

  it("Ubuntu 24.04: a second UID 0 account (toor) with an empty password", () => {
    expect(extraUidZero(recorded("ubuntu2404", "passwd"))).toEqual(["toor"]);
    expect(emptyPasswordUsers(recorded("ubuntu2404", "shadow"))).toEqual(["toor"]);
    expect(localAdmins(recorded("ubuntu2404", "group"), recorded("ubuntu2404", "passwd"))).toEqual([
      "ubuntu",
    ]);
  });

  it("wheel members and users whose primary group is wheel", () => {
    expect(localAdmins("wheel:x:10:dave\n", "erin:x:1002:10::/home/erin:/bin/bash\n")).toEqual([
      "dave",
      "erin",
    ]);
  });
});

describe("probeAccounts", () => {
  it("/etc/shadow unreadable (not root): emptyPasswordUsers is absent and unreadable, the rest is known", async () => {
    const r = await probeAccounts(
      fakeHost({
        files: {
          "/etc/passwd": recorded("ubuntu2404", "passwd"),
          "/etc/shadow": null,
          "/etc/group": recorded("ubuntu2404", "group"),
        },
      }),
    );
    expect(r.attributes.accounts).toEqual({ extraUidZeroUsers: ["toor"], localAdmins: ["ubuntu"] });
    expect(r.unreadable).toEqual({
      "accounts.emptyPasswordUsers": "/etc/shadow: permission denied (needs root)",
    });
  });

  it("never copies password hashes into facts or sources", async () => {
    const r = await probeAccounts(
      fakeHost({
        files: {
          "/etc/passwd": recorded("ubuntu2204", "passwd"),
          "/etc/shadow": recorded("ubuntu2204", "shadow"),
          "/etc/group": "",
        },
      }),
    );
    expect(JSON.stringify(r)).not.toContain("$y$");
    expect(r.attributes.accounts?.emptyPasswordUsers).toEqual(["bob"]);
  });
});
