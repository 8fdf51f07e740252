import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  compareKernelVersions,
  newerKernelInstalled,
  parseAptListUpgradable,
  parseAptPeriodic,
  parseAptSimulation,
  parseDnfAutomaticConf,
  parseDnfCheckUpdate,
  parseDnfSecurityList,
  probeUpdates,
} from "../../../../src/collectors/device/linux/updates.js";
import { type FakeMachine, fakeHost, recorded } from "./helpers.js";

describe("apt parsers", () => {
  it("Debian 12 (recorded on this machine): counts Inst lines, security by the -security archive", () => {
    const r = parseAptSimulation(recorded("debian12", "apt-get-s-dist-upgrade.txt"));
    expect(r.pending).toBe(119);
    expect(r.pendingSecurity).toBe(74);
    // a line ending in " []" after the origin still counts (jq in the recording)
    expect(r.securityPackages).toContain("jq");
    // only from Debian:12.15/oldstable, not a security archive
    expect(r.securityPackages).not.toContain("base-files");
  });

  it("Ubuntu 22.04: new dependency packages (no [old version]) are not updates; jammy-security marks security", () => {
    const r = parseAptSimulation(recorded("ubuntu2204", "apt-get-s-dist-upgrade.txt"));
    expect(r).toEqual({
      pending: 5,
      pendingSecurity: 3,
      securityPackages: ["libssl3", "linux-generic", "openssl"],
    });
  });

  it("Ubuntu 22.04: apt list --upgradable agrees with the simulation", () => {
    expect(parseAptListUpgradable(recorded("ubuntu2204", "apt-list-upgradable.txt"))).toEqual(
      parseAptSimulation(recorded("ubuntu2204", "apt-get-s-dist-upgrade.txt")),
    );
  });

  it("Ubuntu 24.04: nothing pending", () => {
    expect(parseAptSimulation(recorded("ubuntu2404", "apt-get-s-dist-upgrade.txt"))).toEqual({
      pending: 0,
      pendingSecurity: 0,
      securityPackages: [],
    });
  });

  it("apt-config dump: Unattended-Upgrade on (Ubuntu 22.04), off (24.04), unset (Debian 12)", () => {
    expect(parseAptPeriodic(recorded("ubuntu2204", "apt-config-dump.txt"))).toEqual({
      unattendedUpgrade: true,
      updateLists: true,
    });
    expect(parseAptPeriodic(recorded("ubuntu2404", "apt-config-dump.txt"))).toEqual({
      unattendedUpgrade: false,
      updateLists: true,
    });
    expect(parseAptPeriodic(recorded("debian12", "apt-config-dump.txt")).unattendedUpgrade).toBe(false);
  });
});

describe("kernel reboot check", () => {
  it("compares kernel versions numerically", () => {
    expect(compareKernelVersions("6.1.0-21-amd64", "6.1.0-9-amd64")).toBeGreaterThan(0);
    expect(compareKernelVersions("5.15.0-106-generic", "5.15.0-107-generic")).toBeLessThan(0);
    expect(compareKernelVersions("6.1.0-18-amd64", "6.1.0-18-amd64")).toBe(0);
  });

  it("a newer installed kernel of the same flavour waits for a reboot", () => {
    expect(newerKernelInstalled("6.1.0-18-amd64", ["6.1.0-18-amd64", "6.1.0-21-amd64"])).toBe(
      "6.1.0-21-amd64",
    );
    expect(
      newerKernelInstalled("5.15.0-106-generic", [
        "5.15.0-106-generic",
        "5.15.0-105-generic",
        "6.5.0-9-lowlatency",
      ]),
    ).toBeUndefined();
  });

  it("a kernel booted from outside (VM, container) proves nothing", () => {
    expect(newerKernelInstalled("6.18.44-fc-v782", ["6.1.0-21-amd64"])).toBeUndefined();
  });
});

describe("dnf parsers", () => {
  it("RHEL 9 check-update: packages up to 'Obsoleting Packages'", () => {
    expect(parseDnfCheckUpdate(recorded("rhel9", "dnf-check-update.txt"))).toEqual([
      "kernel",
      "kernel-core",
      "openssl",
      "openssl-libs",
      "python3-urllib3",
      "tzdata",
      "vim-minimal",
    ]);
    expect(parseDnfCheckUpdate(recorded("fedora40", "dnf-check-update.txt"))).toEqual([]);
  });

  it("RHEL 9 updateinfo list --security: package names from NEVRAs (epochs included)", () => {
    expect(parseDnfSecurityList(recorded("rhel9", "dnf-updateinfo-list-security.txt"))).toEqual([
      "kernel",
      "kernel-core",
      "openssl",
      "openssl-libs",
      "python3-urllib3",
    ]);
  });

  it("automatic.conf apply_updates", () => {
    expect(parseDnfAutomaticConf(recorded("rhel9", "automatic.conf"))).toBe(true);
    expect(parseDnfAutomaticConf("[commands]\napply_updates = no\n")).toBe(false);
  });
});

describe("probeUpdates", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const DPKG_QUERY = ["dpkg-query", "-W", "-f", "$" + "{db:Status-Status}", "unattended-upgrades"].join(" ");
  const aptMachine = (): FakeMachine & { commands: NonNullable<FakeMachine["commands"]> } => ({
    commands: {
      "apt-get -s -q -o Debug::NoLocking=true dist-upgrade": {
        stdout: recorded("ubuntu2204", "apt-get-s-dist-upgrade.txt"),
      },
      "apt-config dump": { stdout: recorded("ubuntu2204", "apt-config-dump.txt") },
      [DPKG_QUERY]: { stdout: "installed" },
    },
    files: { "/usr/bin/apt-get": "", "/run/reboot-required": "*** System restart required ***\n" },
  });

  it("apt: unattended-upgrades switched on and installed is automatic; reboot-required flag file is read", async () => {
    const r = await probeUpdates(fakeHost(aptMachine()));
    expect(r.attributes.updates).toMatchObject({
      manager: "apt",
      pending: 5,
      pendingSecurity: 3,
      automatic: true,
      automaticMechanism: "unattended-upgrades",
      rebootRequired: true,
    });
    expect(r.sources.updates).toContain("cmd: apt-get -s -q -o Debug::NoLocking=true dist-upgrade");
  });

  it("apt: the periodic setting without the package installed is not automatic", async () => {
    const machine = aptMachine();
    machine.commands[DPKG_QUERY] = {
      stdout: "not-installed",
    };
    const r = await probeUpdates(fakeHost(machine));
    expect(r.attributes.updates?.automatic).toBe(false);
  });

  it("apt: the simulation result is reused while its input files are unchanged, and says so in its source", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "assay-apt-cache-"));
    dirs.push(cacheDir);
    const first = fakeHost(aptMachine());
    first.cacheDir = cacheDir;
    await probeUpdates(first);
    expect(first.calls.some((c) => c.command.startsWith("apt-get -s"))).toBe(true);
    expect(readdirSync(cacheDir)).toHaveLength(1);

    const second = fakeHost(aptMachine());
    second.cacheDir = cacheDir;
    const r = await probeUpdates(second);
    expect(second.calls.some((c) => c.command.startsWith("apt-get -s"))).toBe(false);
    expect(r.attributes.updates?.pendingSecurity).toBe(3);
    expect(r.sources.updates).toMatch(/reused: dpkg status, package lists and apt configuration unchanged/);

    // `apt update` brought a new package list: the simulation runs again.
    const third = fakeHost({
      ...aptMachine(),
      dirs: { "/var/lib/apt/lists": ["deb.debian.org_debian_dists_bookworm_InRelease"] },
    });
    third.cacheDir = cacheDir;
    const recomputed = await probeUpdates(third);
    expect(third.calls.some((c) => c.command.startsWith("apt-get -s"))).toBe(true);
    expect(recomputed.sources.updates).not.toMatch(/reused/);
  });

  it("apt: a failing simulation makes updates unreadable with the reason", async () => {
    const machine = aptMachine();
    machine.commands["apt-get -s -q -o Debug::NoLocking=true dist-upgrade"] = {
      code: 100,
      stderr: "E: The package lists or status file could not be parsed or opened.",
    };
    const r = await probeUpdates(fakeHost(machine));
    expect(r.attributes.updates).toBeUndefined();
    expect(r.unreadable.updates).toContain("could not be parsed");
  });

  it("dnf (RHEL 9): cache-only commands, dnf-automatic timer + apply_updates, needs-restarting exit 1", async () => {
    const host = fakeHost({
      commands: {
        "dnf -C -q check-update": { code: 100, stdout: recorded("rhel9", "dnf-check-update.txt") },
        "dnf -C -q updateinfo list --security": {
          stdout: recorded("rhel9", "dnf-updateinfo-list-security.txt"),
        },
        "needs-restarting -r": {
          code: 1,
          stdout:
            "Core libraries or services have been updated since boot-up:\n  * kernel\n\nReboot is required to fully utilize these updates.\n",
        },
      },
      files: { "/usr/bin/dnf": "", "/etc/dnf/automatic.conf": recorded("rhel9", "automatic.conf") },
      dirs: { "/etc/systemd/system/timers.target.wants": ["dnf-automatic.timer", "fstrim.timer"] },
    });
    const r = await probeUpdates(host);
    expect(r.attributes.updates).toEqual({
      manager: "dnf",
      pending: 7,
      pendingSecurity: 5,
      securityUpdates: ["kernel", "kernel-core", "openssl", "openssl-libs", "python3-urllib3"],
      automatic: true,
      automaticMechanism: "dnf-automatic.timer",
      rebootRequired: true,
    });
    expect(host.calls.every((c) => !c.command.startsWith("dnf") || c.command.startsWith("dnf -C"))).toBe(
      true,
    );
  });

  it("dnf without needs-restarting leaves rebootRequired unreadable, not false", async () => {
    const r = await probeUpdates(
      fakeHost({
        commands: {
          "dnf -C -q check-update": { code: 0 },
          "dnf -C -q updateinfo list --security": { stdout: "" },
        },
        files: { "/usr/bin/dnf": "" },
      }),
    );
    expect(r.attributes.updates).toEqual({
      manager: "dnf",
      pending: 0,
      pendingSecurity: 0,
      securityUpdates: [],
      automatic: false,
    });
    expect(r.unreadable["updates.rebootRequired"]).toContain("needs-restarting -r: not installed");
  });

  it("no package manager is unreadable", async () => {
    const r = await probeUpdates(fakeHost({}));
    expect(r.unreadable.updates).toMatch(/no supported package manager/);
  });
});
