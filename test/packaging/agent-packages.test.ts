import { execFile, spawn, spawnSync } from "node:child_process";
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ASSAY_VERSION } from "../../src/core/version.js";
import { tempDir } from "../agent/helpers.js";
import { freePort, StoreProcess, waitFor } from "../agent/processes.js";

/**
 * The agent as MDM ships it: the self-contained executables and the .deb/.rpm/.msi/macOS packages that
 * `npm run package` builds. The .deb is installed into a clean Debian root made here with debootstrap (no
 * Node.js in it), where the installed executable enrols with a real store, scans and delivers a signed report.
 * The other platforms' files are checked structurally (ELF/PE/Mach-O headers, the injected blob, the MSI's
 * tables, the RPM's header and digests).
 *
 * The tools come from Debian (dpkg, rpm, wixl, msitools, debootstrap, systemd); CI installs them. Elsewhere
 * the suite says in one line what is missing and skips; in CI a missing tool fails it.
 */
const run = promisify(execFile);
const TOOLS = [
  "dpkg-deb",
  "rpmbuild",
  "rpm",
  "wixl",
  "msibuild",
  "msiinfo",
  "debootstrap",
  "systemd-analyze",
  "chroot",
];
const missing = TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
if (missing.length > 0) {
  if (process.env.CI) throw new Error(`packaging tests need ${missing.join(", ")} (see .ci/run)`);
  console.log(
    `packaging tests skipped: ${missing.join(", ")} not installed (Debian: apt-get install dpkg rpm wixl msitools debootstrap systemd)`,
  );
}
const isRoot = process.getuid?.() === 0;

let out: string;
const version = ASSAY_VERSION;
const file = (name: string) => join(out, name);

describe.skipIf(missing.length > 0)("agent executables and packages", () => {
  beforeAll(async () => {
    out = await tempDir("assay-packages-");
    const { stderr } = await run(process.execPath, ["agent/packaging/build.mjs", "--out", out], {
      maxBuffer: 64 * 1024 * 1024,
    });
    // The build's own figures (sizes, time) stay visible in the test log.
    console.log(
      stderr
        .split("\n")
        .filter((l) => l.startsWith("package:"))
        .join("\n"),
    );
  }, 900_000);

  it("builds one executable per platform, each the official Node runtime with the agent injected", async () => {
    const checks: Array<[string, (b: Buffer) => void]> = [
      [`assay-agent-${version}-linux-x64`, (b) => expectElf(b, 0x3e)],
      [`assay-agent-${version}-linux-arm64`, (b) => expectElf(b, 0xb7)],
      [`assay-agent-${version}-win-x64.exe`, expectPeX64],
      [`assay-agent-${version}-darwin-x64`, expectMachOX64],
    ];
    for (const [name, check] of checks) {
      const bytes = await readFile(file(name));
      check(bytes);
      // postject flips the fuse so Node runs the blob; the blob is our agent's entry point.
      expect(bytes.includes("NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1"), name).toBe(true);
      expect(bytes.includes("Assay agent (device bundle)"), name).toBe(true);
    }
    const sums = await readFile(file("SHA256SUMS"), "utf8");
    expect(sums.trim().split("\n")).toHaveLength(10);
  });

  it("the Linux executable runs with no Node.js on PATH and writes its config at install time", async () => {
    const exe = file(`assay-agent-${version}-linux-x64`);
    // A PATH with nothing on it: whatever Node.js this machine has is out of reach.
    const env = { PATH: await tempDir("assay-empty-path-"), HOME: "/nonexistent" };
    expect(spawnSync("/bin/sh", ["-c", "command -v node"], { env }).status).not.toBe(0);
    const { stdout } = await run(exe, ["--version"], { env });
    expect(stdout.trim()).toBe(version);
    const dir = await tempDir("assay-exe-install-");
    const installed = await run(
      exe,
      ["agent", "install", "--config", join(dir, "agent.yaml"), "--store-url", "https://store.example"],
      { env: { ...env, ASSAY_STATE_DIR: join(dir, "state"), ASSAY_ENROLMENT_SECRET: "fleet-secret" } },
    );
    expect(installed.stdout).toMatch(/wrote .*agent\.yaml/);
    expect((await stat(join(dir, "agent.yaml"))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, "enrolment-secret"), "utf8")).trim()).toBe("fleet-secret");
    const bad = spawnSync(
      exe,
      ["agent", "install", "--config", join(dir, "x.yaml"), "--store-url", "ftp://x"],
      { env },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr.toString()).toMatch(/store\.url/);
  });

  it("the .deb carries the executable, rules and a unit that passes systemd-analyze verify", async () => {
    const deb = file(`assay-agent_${version}_amd64.deb`);
    const { stdout: info } = await run("dpkg-deb", ["--info", deb]);
    expect(info).toMatch(/Package: assay-agent/);
    expect(info).toMatch(/Architecture: amd64/);
    expect(info).toMatch(/postinst/);
    const { stdout: contents } = await run("dpkg-deb", ["--contents", deb], { maxBuffer: 16 * 1024 * 1024 });
    expect(contents).toMatch(/-rwxr-xr-x root\/root .* \.\/opt\/assay\/assay-agent\n/);
    expect(contents).toMatch(/\.\/opt\/assay\/rules\/encryption\//);
    expect(contents).toMatch(/\.\/lib\/systemd\/system\/assay-agent\.service/);
    // Nothing install-specific inside the package.
    expect(contents).not.toMatch(/etc\/assay\/agent\.yaml|enrolment-secret/);
    const root = await tempDir("assay-deb-root-");
    await run("dpkg-deb", ["-x", deb, root]);
    await mkdir(join(root, "usr", "lib", "systemd"), { recursive: true });
    await cp("/usr/lib/systemd/system", join(root, "usr", "lib", "systemd", "system"), { recursive: true });
    const unit = join(root, "lib", "systemd", "system", "assay-agent.service");
    const verified = spawnSync("systemd-analyze", ["verify", `--root=${root}`, unit], { encoding: "utf8" });
    expect(`${verified.stdout}${verified.stderr}`.trim()).toBe("");
    expect(verified.status).toBe(0);
    const text = await readFile(unit, "utf8");
    expect(text).toMatch(/^ExecStart=\/opt\/assay\/assay-agent agent --config \/etc\/assay\/agent\.yaml$/m);
    expect(text).toMatch(/^EnvironmentFile=-\/etc\/assay\/agent\.env$/m);
    const arm = await run("dpkg-deb", ["--field", file(`assay-agent_${version}_arm64.deb`), "Architecture"]);
    expect(arm.stdout.trim()).toBe("arm64");
  });

  it("the .rpm packages list the same files, carry intact digests and the install scriptlets", async () => {
    for (const [arch, name] of [
      ["x86_64", `assay-agent-${version}-1.x86_64.rpm`],
      ["aarch64", `assay-agent-${version}-1.aarch64.rpm`],
    ]) {
      const rpm = file(name as string);
      const { stdout: files } = await run("rpm", ["-qpl", rpm], { maxBuffer: 16 * 1024 * 1024 });
      expect(files).toMatch(/^\/opt\/assay\/assay-agent$/m);
      expect(files).toMatch(/^\/usr\/lib\/systemd\/system\/assay-agent\.service$/m);
      expect(files).toMatch(/^\/opt\/assay\/rules\/encryption\//m);
      const { stdout: digests } = await run("rpm", ["-K", "--nosignature", rpm]);
      expect(digests).toMatch(/digests OK/);
      const { stdout: qf } = await run("rpm", ["-qp", "--qf", "%{NAME} %{VERSION} %{ARCH}", rpm]);
      expect(qf).toBe(`assay-agent ${version} ${arch}`);
      const { stdout: scripts } = await run("rpm", ["-qp", "--scripts", rpm]);
      expect(scripts).toMatch(/agent install/);
      expect(scripts).toMatch(/systemctl stop assay-agent\.service/);
    }
    // A flipped byte in the payload is caught by rpm -K: the check above can fail.
    const copy = join(await tempDir("assay-rpm-"), "broken.rpm");
    const bytes = await readFile(file(`assay-agent-${version}-1.x86_64.rpm`));
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 0xff;
    await writeFile(copy, bytes);
    expect(spawnSync("rpm", ["-K", "--nosignature", copy]).status).not.toBe(0);
  });

  it("the .msi installs the executable and rules, runs install/uninstall as SYSTEM, and hides the secret", async () => {
    const msi = file(`assay-agent-${version}-x64.msi`);
    const table = async (name: string) => {
      const { stdout } = await run("msiinfo", ["export", msi, name], { maxBuffer: 16 * 1024 * 1024 });
      return stdout
        .split(/\r?\n/)
        .slice(3)
        .filter(Boolean)
        .map((l) => l.split("\t"));
    };
    const files = await table("File");
    const ruleCount = (await readdir("rules", { recursive: true, withFileTypes: true })).filter((e) =>
      e.isFile(),
    ).length;
    expect(files.find((f) => f[2] === "assay-agent.exe")).toBeDefined();
    expect(files).toHaveLength(2 + ruleCount);
    const actions = Object.fromEntries((await table("CustomAction")).map((a) => [a[0], a]));
    // 18 exe-from-file + 1024 deferred + 2048 no impersonation (SYSTEM) + 8192 hidden target.
    expect(actions.InstallAgent?.[1]).toBe("11282");
    expect(actions.InstallAgent?.[3]).toMatch(/^agent install --store-url "\[STOREURL\]" .*--register-task$/);
    expect(actions.UninstallAgent?.[3]).toBe("agent uninstall --remove-task");
    expect(actions.PurgeAgent?.[3]).toBe("agent uninstall --remove-task --purge");
    const properties = Object.fromEntries((await table("Property")).map((p) => [p[0], p[1]]));
    expect(properties.MsiHiddenProperties).toBe("ENROLMENTSECRET");
    expect(properties.ProductVersion).toBe(version);
    expect(properties.UpgradeCode).toMatch(/^\{[0-9A-F-]{36}\}$/);
    const sequence = Object.fromEntries(
      (await table("InstallExecuteSequence")).map((s) => [s[0], Number(s[2])]),
    );
    for (const action of ["InstallAgent", "UninstallAgent", "PurgeAgent"]) {
      // Deferred actions only run inside the install script.
      expect(sequence[action]).toBeGreaterThan(sequence.InstallInitialize as number);
      expect(sequence[action]).toBeLessThan(sequence.InstallFinalize as number);
    }
    expect(sequence.InstallAgent).toBeGreaterThan(sequence.InstallFiles as number);
    expect(sequence.UninstallAgent).toBeLessThan(sequence.RemoveFiles as number);
    expect((await table("Upgrade")).length).toBeGreaterThan(0);
  });

  it("the macOS bundle holds the executable, the launchd daemon and the postinstall for pkgbuild", async () => {
    const tarball = file(`assay-agent-${version}-darwin-x64-pkgroot.tar.gz`);
    const { stdout } = await run("tar", ["-tzf", tarball], { maxBuffer: 16 * 1024 * 1024 });
    const base = `assay-agent-${version}-darwin-x64-pkgroot`;
    for (const path of [
      "payload/Library/Application Support/Assay/bin/assay-agent",
      "payload/Library/LaunchDaemons/com.assay.agent.plist",
      "scripts/postinstall",
      "build-pkg.sh",
    ]) {
      expect(stdout).toContain(`${base}/${path}`);
    }
  });

  it("builds the same bytes twice (executable, .deb, .rpm)", async () => {
    const again = await tempDir("assay-packages-again-");
    await run(process.execPath, ["agent/packaging/build.mjs", "--out", again, "--targets", "linux-x64"], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const first = await readFile(file("SHA256SUMS"), "utf8");
    const second = (await readFile(join(again, "SHA256SUMS"), "utf8")).trim().split("\n");
    expect(second).toHaveLength(3);
    for (const line of second) expect(first).toContain(line);
    await rm(again, { recursive: true, force: true });
  }, 300_000);

  describe.skipIf(!isRoot)("installed into a clean Debian root (debootstrap), without Node.js", () => {
    let root: string;
    let store: StoreProcess;
    let adminToken: string;
    let agent: ReturnType<typeof spawn> | undefined;
    const procMounted = () => spawnSync("mountpoint", ["-q", join(root, "proc")]).status === 0;

    beforeAll(async () => {
      root = await debianRoot();
      await run("cp", [file(`assay-agent_${version}_amd64.deb`), join(root, "tmp", "assay-agent.deb")]);
      // The agent reads /proc like any program on a real machine.
      spawnSync("mount", ["-t", "proc", "proc", join(root, "proc")]);
      const port = await freePort();
      store = new StoreProcess(await tempDir("assay-deb-store-"), port, "deb-fleet-secret");
      await store.start();
      adminToken = await store.createToken("admin");
    }, 900_000);

    afterAll(async () => {
      agent?.kill("SIGKILL");
      await store?.stop();
      if (root && procMounted()) spawnSync("umount", [join(root, "proc")]);
    });

    it("installs with the store URL and secret given at install time, enrols, scans and delivers a signed report", async () => {
      expect(spawnSync("chroot", [root, "sh", "-c", "command -v node"]).status).not.toBe(0);
      const installed = spawnSync("chroot", [root, "dpkg", "-i", "/tmp/assay-agent.deb"], {
        encoding: "utf8",
        env: {
          PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
          DEBIAN_FRONTEND: "noninteractive",
          ASSAY_STORE_URL: store.url,
          ASSAY_ENROLMENT_SECRET: "deb-fleet-secret",
          ASSAY_GROUP: "servers",
        },
      });
      expect(installed.status, installed.stderr).toBe(0);
      const config = await readFile(join(root, "etc", "assay", "agent.yaml"), "utf8");
      expect(config).toContain(`url: ${store.url}`);
      expect((await stat(join(root, "etc", "assay", "agent.yaml"))).mode & 0o777).toBe(0o600);
      expect((await stat(join(root, "etc", "assay"))).mode & 0o777).toBe(0o700);
      expect((await readFile(join(root, "etc", "assay", "enrolment-secret"), "utf8")).trim()).toBe(
        "deb-fleet-secret",
      );

      // The fleet's spread (a first run up to 5 minutes after start) is not under test here.
      await writeFile(
        join(root, "etc", "assay", "agent.yaml"),
        config.replace("jitterSeconds: 1800", "jitterSeconds: 0"),
      );
      // As systemd would start it (no service manager in the root): the unit's ExecStart.
      agent = spawn(
        "chroot",
        [root, "/opt/assay/assay-agent", "agent", "--config", "/etc/assay/agent.yaml"],
        {
          env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let log = "";
      agent.stdout?.on("data", (d: Buffer) => {
        log += d.toString();
      });
      agent.stderr?.on("data", (d: Buffer) => {
        log += d.toString();
      });
      const ids = await waitFor(
        "a report from the packaged agent in the store's ledger",
        async () => {
          if (agent?.exitCode !== null && agent?.exitCode !== undefined)
            throw new Error(`agent exited:\n${log}`);
          const list = await store.ledgerReportIds(adminToken);
          return list.length > 0 ? list : undefined;
        },
        120_000,
      );
      expect(ids).toHaveLength(1);
      expect(log).toMatch(/enrolled with the store/);
      const identity = JSON.parse(await readFile(join(root, "var", "lib", "assay", "identity.json"), "utf8"));
      const reply = await fetch(`${store.url}/v1/agents`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const body = JSON.stringify(await reply.json());
      expect(body).toContain(identity.agentId);
      // The store re-checks the signature of what it holds.
      const verify = await fetch(`${store.url}/v1/ledger/verify`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(verify.status).toBe(200);
      expect(JSON.stringify(await verify.json())).toMatch(/"ok":\s*true/);
      agent.kill("SIGTERM");
      await new Promise((r) => agent?.once("exit", r));
      agent = undefined;
    }, 300_000);

    it("an upgrade keeps config and identity; remove keeps state; purge deletes it", async () => {
      const identityFile = join(root, "var", "lib", "assay", "identity.json");
      const before = await readFile(identityFile, "utf8");
      const configBefore = await readFile(join(root, "etc", "assay", "agent.yaml"), "utf8");
      const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", DEBIAN_FRONTEND: "noninteractive" };
      const again = spawnSync("chroot", [root, "dpkg", "-i", "/tmp/assay-agent.deb"], {
        encoding: "utf8",
        env,
      });
      expect(again.status, again.stderr).toBe(0);
      expect(await readFile(identityFile, "utf8")).toBe(before);
      expect(await readFile(join(root, "etc", "assay", "agent.yaml"), "utf8")).toBe(configBefore);
      const removed = spawnSync("chroot", [root, "dpkg", "-r", "assay-agent"], { encoding: "utf8", env });
      expect(removed.status, removed.stderr).toBe(0);
      await expect(stat(join(root, "opt", "assay", "assay-agent"))).rejects.toThrow();
      expect(await readFile(identityFile, "utf8")).toBe(before);
      const purged = spawnSync("chroot", [root, "dpkg", "-P", "assay-agent"], { encoding: "utf8", env });
      expect(purged.status, purged.stderr).toBe(0);
      await expect(stat(join(root, "var", "lib", "assay"))).rejects.toThrow();
      await expect(stat(join(root, "etc", "assay"))).rejects.toThrow();
    }, 120_000);
  });
});

/**
 * A minimal Debian 12 root. debootstrap takes minutes, so the result is kept as a tarball in the packaging
 * cache and unpacked fresh for each run.
 */
async function debianRoot(): Promise<string> {
  const cache = join(
    process.env.ASSAY_PACKAGE_CACHE ?? join(homedir(), ".cache", "assay-packaging"),
    "debian-bookworm-minbase.tar",
  );
  const root = await tempDir("assay-debian-");
  try {
    await stat(cache);
  } catch {
    const build = await tempDir("assay-debootstrap-");
    const mirror = process.env.ASSAY_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
    await run("debootstrap", ["--variant=minbase", "bookworm", build, mirror], {
      maxBuffer: 64 * 1024 * 1024,
    });
    await mkdir(join(cache, ".."), { recursive: true });
    await run("tar", ["-cf", `${cache}.part`, "-C", build, "."]);
    await run("mv", [`${cache}.part`, cache]);
    await rm(build, { recursive: true, force: true });
  }
  await run("tar", ["-xf", cache, "-C", root]);
  return root;
}

function expectElf(b: Buffer, machine: number): void {
  expect(b.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  expect(b[4]).toBe(2); // 64-bit
  expect(b.readUInt16LE(18)).toBe(machine);
}

function expectPeX64(b: Buffer): void {
  expect(b.subarray(0, 2).toString("latin1")).toBe("MZ");
  const pe = b.readUInt32LE(0x3c);
  expect(b.subarray(pe, pe + 4).toString("latin1")).toBe("PE\0\0");
  expect(b.readUInt16LE(pe + 4)).toBe(0x8664);
}

function expectMachOX64(b: Buffer): void {
  expect(b.readUInt32LE(0)).toBe(0xfeedfacf);
  expect(b.readUInt32LE(4)).toBe(0x01000007); // CPU_TYPE_X86_64
  expect(b.includes("NODE_SEA")).toBe(true);
}
