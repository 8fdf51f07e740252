import { describe, expect, it } from "vitest";
import {
  parseSshdConfig,
  parseSshdEffective,
  probeSsh,
  sshdIncludes,
} from "../../../../src/collectors/device/linux/ssh.js";
import { fakeHost, recorded } from "./helpers.js";

describe("sshd parsers", () => {
  it("sshd -T (Ubuntu 22.04): without-password is reported as prohibit-password", () => {
    expect(parseSshdEffective(recorded("ubuntu2204", "sshd-T.txt"))).toEqual({
      permitRootLogin: "prohibit-password",
      passwordAuthentication: false,
      permitEmptyPasswords: false,
    });
  });

  it("sshd_config: the first value wins, included files count where the Include stands, Match blocks are ignored, unset keywords stay absent", () => {
    // Ubuntu 22.04: cloud-init's drop-in (read first) turns passwords off; the Match block's "yes" is per-user.
    expect(
      parseSshdConfig([
        recorded("ubuntu2204", "sshd_config.d/50-cloud-init.conf"),
        recorded("ubuntu2204", "sshd_config"),
      ]),
    ).toEqual({ passwordAuthentication: false });
    // RHEL 9: Anaconda's 01-permitrootlogin.conf (no) comes before the main file's "PermitRootLogin yes".
    expect(
      parseSshdConfig([
        recorded("rhel9", "sshd_config.d/01-permitrootlogin.conf"),
        recorded("rhel9", "sshd_config.d/50-redhat.conf"),
        recorded("rhel9", "sshd_config"),
      ]).permitRootLogin,
    ).toBe("no");
    // Ubuntu 24.04: 60-cloudimg-settings.conf sorts before 99-local.conf, so PasswordAuthentication stays yes.
    expect(
      parseSshdConfig([
        recorded("ubuntu2404", "sshd_config.d/60-cloudimg-settings.conf"),
        recorded("ubuntu2404", "sshd_config.d/99-local.conf"),
      ]),
    ).toEqual({ permitRootLogin: "yes", passwordAuthentication: true });
    // A keyword no file sets stays absent: OpenSSH's compiled-in default is the DEV-SSH rules' to state.
    expect(parseSshdConfig(["# nothing set\nPort 22\n"])).toEqual({});
  });

  it("Include patterns resolve relative to /etc/ssh", () => {
    expect(sshdIncludes("Include sshd_config.d/*.conf /etc/ssh/extra.conf\n# Include nope\n")).toEqual([
      "/etc/ssh/sshd_config.d/*.conf",
      "/etc/ssh/extra.conf",
    ]);
  });
});

describe("probeSsh", () => {
  it("no sshd binary: serverInstalled false (rules for sshd settings then skip)", async () => {
    const r = await probeSsh(fakeHost({}));
    expect(r.attributes.ssh).toEqual({ serverInstalled: false });
  });

  it("uses sshd -T when it answers", async () => {
    const r = await probeSsh(
      fakeHost({
        files: { "/usr/sbin/sshd": "" },
        commands: { "/usr/sbin/sshd -T": { stdout: recorded("ubuntu2204", "sshd-T.txt") } },
        processes: ["sshd"],
      }),
    );
    expect(r.attributes.ssh).toEqual({
      serverInstalled: true,
      serverRunning: true,
      permitRootLogin: "prohibit-password",
      passwordAuthentication: false,
      permitEmptyPasswords: false,
    });
    expect(r.sources.ssh).toContain("cmd: /usr/sbin/sshd -T");
  });

  it("falls back to the config files (with Include expanded in order) when sshd -T is refused", async () => {
    const r = await probeSsh(
      fakeHost({
        files: {
          "/usr/sbin/sshd": "",
          "/etc/ssh/sshd_config": recorded("rhel9", "sshd_config"),
          "/etc/ssh/sshd_config.d/01-permitrootlogin.conf": recorded(
            "rhel9",
            "sshd_config.d/01-permitrootlogin.conf",
          ),
          "/etc/ssh/sshd_config.d/50-redhat.conf": recorded("rhel9", "sshd_config.d/50-redhat.conf"),
        },
        dirs: { "/etc/ssh/sshd_config.d": ["50-redhat.conf", "01-permitrootlogin.conf"] },
        commands: { "/usr/sbin/sshd -T": { code: 1, stderr: "sshd: no hostkeys available -- exiting." } },
      }),
    );
    expect(r.attributes.ssh).toEqual({
      serverInstalled: true,
      serverRunning: false,
      permitRootLogin: "no",
    });
    expect(r.sources.ssh).toContain("/etc/ssh/sshd_config.d/01-permitrootlogin.conf");
  });

  it("unreadable config: the settings are unreadable, installation is still known", async () => {
    const r = await probeSsh(
      fakeHost({
        files: { "/usr/sbin/sshd": "", "/etc/ssh/sshd_config": null },
        commands: {
          "/usr/sbin/sshd -T": { code: 1, stderr: "Privilege separation user sshd does not exist" },
        },
      }),
    );
    expect(r.attributes.ssh).toEqual({ serverInstalled: true, serverRunning: false });
    expect(r.unreadable["ssh.permitRootLogin"]).toContain("permission denied");
  });
});
