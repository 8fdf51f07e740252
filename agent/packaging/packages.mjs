// The packages an MDM or configuration management pushes, built around the self-contained executables:
// .deb (dpkg-deb) and .rpm (rpmbuild) with the systemd unit, .msi (wixl) that installs the executable and
// registers the scheduled task, and for macOS the launchd bundle with the documented pkgbuild step (no
// maintained tool builds a .pkg off a Mac). Install-time settings never go into a package: see agent/MDM.md.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, cp, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

const DEB_ARCH = { "linux-x64": "amd64", "linux-arm64": "arm64" };
const RPM_ARCH = { "linux-x64": "x86_64", "linux-arm64": "aarch64" };

export async function buildPackages({ root, version, executables, outDir, log = () => {} }) {
  const epoch = sourceDateEpoch(root);
  const out = [];
  for (const exe of executables) {
    if (DEB_ARCH[exe.target]) {
      if (hasTool("dpkg-deb")) out.push(await buildDeb({ root, version, exe, outDir, epoch }));
      else log("dpkg-deb not found: no .deb (Debian: apt-get install dpkg)");
      if (hasTool("rpmbuild")) out.push(await buildRpm({ root, version, exe, outDir, epoch }));
      else log("rpmbuild not found: no .rpm (Debian: apt-get install rpm)");
    } else if (exe.target === "win-x64") {
      if (hasTool("wixl") && hasTool("msibuild")) out.push(await buildMsi({ root, version, exe, outDir }));
      else log("wixl/msibuild not found: no .msi (Debian: apt-get install wixl msitools)");
    } else if (exe.target.startsWith("darwin-")) {
      out.push(await buildMacBundle({ root, version, exe, outDir, epoch }));
    }
  }
  for (const p of out) p.bytes = (await stat(p.file)).size;
  return out;
}

/** The files every Linux package installs, under a staging root. */
async function stageLinux({ root, exe, stage, unitDir }) {
  await rm(stage, { recursive: true, force: true });
  const opt = join(stage, "opt", "assay");
  await mkdir(join(opt, "dist"), { recursive: true });
  await cp(exe.file, join(opt, "assay-agent"));
  await chmod(join(opt, "assay-agent"), 0o755);
  await cp(join(root, "rules"), join(opt, "rules"), { recursive: true });
  await writeYamlCache(root, join(opt, "dist", "yaml-cache.json"));
  await mkdir(join(stage, unitDir), { recursive: true });
  await writeFile(join(stage, unitDir, "assay-agent.service"), await packagedUnit(root));
  const doc = join(stage, "usr", "share", "doc", "assay-agent");
  await mkdir(doc, { recursive: true });
  await cp(join(root, "agent", "agent.example.yaml"), join(doc, "agent.example.yaml"));
  await cp(join(root, "agent", "MDM.md"), join(doc, "MDM.md"));
}

async function buildDeb({ root, version, exe, outDir, epoch }) {
  const arch = DEB_ARCH[exe.target];
  const stage = join(outDir, ".work", `deb-${arch}`);
  await stageLinux({ root, exe, stage, unitDir: join("lib", "systemd", "system") });
  const debian = join(stage, "DEBIAN");
  await mkdir(debian, { recursive: true });
  for (const script of ["postinst", "prerm", "postrm", "config"]) {
    await cp(join(root, "agent", "packaging", "debian", script), join(debian, script));
    await chmod(join(debian, script), 0o755);
  }
  await cp(join(root, "agent", "packaging", "debian", "templates"), join(debian, "templates"));
  const installedKiB = Math.ceil((await treeBytes(stage)) / 1024);
  await writeFile(
    join(debian, "control"),
    [
      "Package: assay-agent",
      `Version: ${version}`,
      `Architecture: ${arch}`,
      "Maintainer: Assay maintainers <security@assay.invalid>",
      `Installed-Size: ${installedKiB}`,
      "Depends: debconf (>= 0.5) | debconf-2.0",
      "Section: admin",
      "Priority: optional",
      "Homepage: https://github.com/assay/assay",
      "Description: Assay compliance agent (self-contained)",
      " Checks this device's posture (disk encryption, firewall, patching, screen lock, malware",
      " protection, ...) against policy rules on a schedule, signs each report and delivers it to",
      " the Assay report store. Carries its own Node.js runtime.",
      "",
    ].join("\n"),
  );
  await clampTimes(stage, epoch);
  const file = join(outDir, `assay-agent_${version}_${arch}.deb`);
  execFileSync("dpkg-deb", ["--root-owner-group", "-Zgzip", "-z6", "--build", stage, file], {
    env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await rm(stage, { recursive: true, force: true });
  return { kind: "deb", target: exe.target, file };
}

async function buildRpm({ root, version, exe, outDir, epoch }) {
  const arch = RPM_ARCH[exe.target];
  const work = join(outDir, ".work", `rpm-${arch}`);
  const stage = join(work, "stage");
  await stageLinux({ root, exe, stage, unitDir: join("usr", "lib", "systemd", "system") });
  await clampTimes(stage, epoch);
  const spec = (await readFile(join(root, "agent", "packaging", "rpm", "assay-agent.spec"), "utf8"))
    .replaceAll("@VERSION@", version)
    .replaceAll("@ARCH@", arch)
    .replaceAll("@STAGE@", stage);
  const specFile = join(work, "assay-agent.spec");
  await writeFile(specFile, spec);
  // The target architecture comes from --target (a BuildArch tag would make rpmbuild refuse a foreign arch);
  // nothing is compiled, so any host can package any architecture. rpmbuild's trace goes to a buffer.
  quiet(
    "rpmbuild",
    [
      "-bb",
      "--target",
      arch,
      "--define",
      `_topdir ${join(work, "top")}`,
      "--define",
      `_rpmdir ${outDir}`,
      "--define",
      "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
      "--define",
      "_binary_payload w6.gzdio",
      // Reproducible: build time and file times from SOURCE_DATE_EPOCH, no build host name.
      "--define",
      "use_source_date_epoch_as_buildtime 1",
      "--define",
      "clamp_mtime_to_source_date_epoch 1",
      "--define",
      "_buildhost reproducible",
      specFile,
    ],
    { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } },
  );
  await rm(work, { recursive: true, force: true });
  return { kind: "rpm", target: exe.target, file: join(outDir, `assay-agent-${version}-1.${arch}.rpm`) };
}

/**
 * MSI: the executable and rules under Program Files\Assay; after the files are in, a deferred custom action
 * (as SYSTEM, HideTarget so its command line stays out of the MSI log) runs `assay-agent.exe agent install
 * --register-task` with the STOREURL, GROUP and ENROLMENTSECRET properties (an exe custom action has no other
 * channel for them: deferred actions cannot read properties); before removal another ends and deletes the
 * task (and with PURGE=1 the state).
 * MajorUpgrade with a fixed UpgradeCode: an upgrade replaces the files and keeps C:\ProgramData\Assay.
 */
async function buildMsi({ root, version, exe, outDir }) {
  const work = join(outDir, ".work", "msi");
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const ruleFiles = await listFiles(join(root, "rules"));
  const yamlCache = join(work, "yaml-cache.json");
  await writeYamlCache(root, yamlCache);
  // wixl resolves Source paths relative to its working folder and refuses absolute ones.
  const wxs = msiSource({
    version,
    exe: relative(work, exe.file),
    rulesRoot: relative(work, join(root, "rules")),
    ruleFiles,
    yamlCache: relative(work, yamlCache),
  });
  await writeFile(join(work, "assay-agent.wxs"), wxs);
  const file = join(outDir, `assay-agent-${version}-x64.msi`);
  quiet("wixl", ["-a", "x64", "-o", file, "assay-agent.wxs"], { cwd: work });
  // Deferred actions run between InstallInitialize and InstallFinalize, so they are sequenced by number above
  // (wixl's Before/After placed them outside); wixl drops HideTarget, so its bit (8192) is set here, keeping
  // the install command line (with the secret) out of the log.
  quiet("msibuild", [file, "-q", "UPDATE CustomAction SET Type=11282 WHERE Action='InstallAgent'"]);
  await rm(work, { recursive: true, force: true });
  return { kind: "msi", target: exe.target, file };
}

export function msiSource({ version, exe, rulesRoot, ruleFiles, yamlCache }) {
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  // Stable ids and GUIDs derived from names, so the same input gives the same tables.
  const guid = (name) => {
    const h = createHash("sha256").update(`assay-agent:${name}`).digest("hex").toUpperCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-A${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const id = (prefix, name) => `${prefix}_${createHash("sha1").update(name).digest("hex").slice(0, 20)}`;
  const dirs = new Map([["", "RULESDIR"]]);
  const dirTree = new Map([["", []]]);
  for (const f of ruleFiles) {
    const parts = f.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (!dirs.has(d)) {
        dirs.set(d, id("D", d));
        dirTree.set(d, []);
        dirTree.get(parts.slice(0, i - 1).join("/")).push(d);
      }
    }
  }
  const filesIn = (d) => ruleFiles.filter((f) => f.split("/").slice(0, -1).join("/") === d);
  const renderDir = (d, indent) => {
    const pad = " ".repeat(indent);
    const name = d === "" ? "rules" : d.split("/").at(-1);
    const lines = [`${pad}<Directory Id="${dirs.get(d)}" Name="${esc(name)}">`];
    for (const f of filesIn(d)) {
      lines.push(
        `${pad}  <Component Id="${id("C", f)}" Guid="${guid(`rules/${f}`)}"><File Id="${id("F", f)}" Name="${esc(f.split("/").at(-1))}" Source="${esc(`${rulesRoot}/${f}`)}" KeyPath="yes"/></Component>`,
      );
    }
    for (const child of dirTree.get(d)) lines.push(...renderDir(child, indent + 2));
    lines.push(`${pad}</Directory>`);
    return lines;
  };
  const ruleComponentRefs = ruleFiles.map((f) => `      <ComponentRef Id="${id("C", f)}"/>`).join("\n");
  return `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="${guid(`product:${version}`)}" Name="Assay Agent" Language="1033" Version="${version}" Manufacturer="Assay" UpgradeCode="${guid("upgrade-code")}">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine" Description="Assay compliance agent ${version}" Comments="Self-contained: carries its own Node.js runtime."/>
    <Media Id="1" Cabinet="assay.cab" EmbedCab="yes"/>
    <MajorUpgrade DowngradeErrorMessage="A newer Assay Agent is already installed."/>
    <!-- STOREURL, GROUP, ENROLMENTSECRET and PURGE are public properties set on the msiexec command line; the
         secret is kept out of verbose logs. -->
    <Property Id="MsiHiddenProperties" Value="ENROLMENTSECRET"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="Assay">
          <Component Id="AgentExe" Guid="${guid("component:agent-exe")}" Win64="yes">
            <File Id="AssayAgentExe" Name="assay-agent.exe" Source="${esc(exe)}" KeyPath="yes"/>
          </Component>
          <Directory Id="DISTDIR" Name="dist">
            <Component Id="YamlCache" Guid="${guid("component:yaml-cache")}" Win64="yes">
              <File Id="YamlCacheJson" Name="yaml-cache.json" Source="${esc(yamlCache)}" KeyPath="yes"/>
            </Component>
          </Directory>
${renderDir("", 10).join("\n")}
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Agent" Title="Assay Agent" Level="1">
      <ComponentRef Id="AgentExe"/>
      <ComponentRef Id="YamlCache"/>
${ruleComponentRefs}
    </Feature>
    <CustomAction Id="InstallAgent" FileKey="AssayAgentExe" ExeCommand="agent install --store-url &quot;[STOREURL]&quot; --group &quot;[GROUP]&quot; --enrolment-secret &quot;[ENROLMENTSECRET]&quot; --register-task" Execute="deferred" Impersonate="no" Return="check" HideTarget="yes"/>
    <CustomAction Id="UninstallAgent" FileKey="AssayAgentExe" ExeCommand="agent uninstall --remove-task" Execute="deferred" Impersonate="no" Return="ignore"/>
    <CustomAction Id="PurgeAgent" FileKey="AssayAgentExe" ExeCommand="agent uninstall --remove-task --purge" Execute="deferred" Impersonate="no" Return="ignore"/>
    <InstallExecuteSequence>
      <Custom Action="InstallAgent" Sequence="4010">NOT REMOVE="ALL"</Custom>
      <Custom Action="UninstallAgent" Sequence="3490">REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE AND NOT PURGE="1"</Custom>
      <Custom Action="PurgeAgent" Sequence="3491">REMOVE="ALL" AND NOT UPGRADINGPRODUCTCODE AND PURGE="1"</Custom>
    </InstallExecuteSequence>
  </Product>
</Wix>
`;
}

/** macOS: the executable, rules, launchd plist and postinstall, ready for `pkgbuild` on a Mac (agent/MDM.md). */
async function buildMacBundle({ root, version, exe, outDir, epoch }) {
  const name = `assay-agent-${version}-${exe.target}-pkgroot`;
  const work = join(outDir, ".work", name);
  await rm(work, { recursive: true, force: true });
  const home = join(work, "payload", "Library", "Application Support", "Assay");
  await mkdir(join(home, "bin", "dist"), { recursive: true });
  await cp(exe.file, join(home, "bin", "assay-agent"));
  await chmod(join(home, "bin", "assay-agent"), 0o755);
  await cp(join(root, "rules"), join(home, "bin", "rules"), { recursive: true });
  await writeYamlCache(root, join(home, "bin", "dist", "yaml-cache.json"));
  await mkdir(join(work, "payload", "Library", "LaunchDaemons"), { recursive: true });
  await cp(
    join(root, "agent", "packaging", "macos", "com.assay.agent.plist"),
    join(work, "payload", "Library", "LaunchDaemons", "com.assay.agent.plist"),
  );
  await mkdir(join(work, "scripts"), { recursive: true });
  await cp(join(root, "agent", "packaging", "macos", "postinstall"), join(work, "scripts", "postinstall"));
  await chmod(join(work, "scripts", "postinstall"), 0o755);
  await cp(join(root, "agent", "packaging", "macos", "build-pkg.sh"), join(work, "build-pkg.sh"));
  await chmod(join(work, "build-pkg.sh"), 0o755);
  await clampTimes(work, epoch);
  const file = join(outDir, `${name}.tar.gz`);
  // gzip -n: no name or time in the gzip header, so the archive repeats byte for byte.
  quiet("tar", [
    "--sort=name",
    `--mtime=@${epoch}`,
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--use-compress-program=gzip -n",
    "-cf",
    file,
    "-C",
    join(outDir, ".work"),
    name,
  ]);
  await rm(work, { recursive: true, force: true });
  return { kind: "macos-pkgroot", target: exe.target, file };
}

async function packagedUnit(root) {
  const unit = await readFile(join(root, "agent", "linux", "assay-agent.service"), "utf8");
  const execLine = /^ExecStart=.*$/m;
  if (!execLine.test(unit)) throw new Error("agent/linux/assay-agent.service has no ExecStart line");
  return unit
    .replace(
      /^# Runs the single-file bundle.*$/m,
      "# Runs the self-contained executable installed by the assay-agent package (no Node.js needed).",
    )
    .replace(
      execLine,
      "EnvironmentFile=-/etc/assay/agent.env\nExecStart=/opt/assay/assay-agent agent --config /etc/assay/agent.yaml",
    );
}

/** The precompiled rule cache (keyed by each file's SHA-1), so the agent does not parse YAML at start. */
async function writeYamlCache(root, file) {
  const built = join(root, "dist", "yaml-cache.json");
  try {
    await cp(built, file);
  } catch {
    throw new Error("dist/yaml-cache.json is missing: run `npm run build` first");
  }
}

function sourceDateEpoch(root) {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  const r = spawnSync("git", ["log", "-1", "--format=%ct"], { cwd: root, encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() ? Number(r.stdout.trim()) : 0;
}

async function clampTimes(dir, epoch) {
  const when = new Date(epoch * 1000);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    await utimes(join(entry.parentPath, entry.name), when, when);
  }
  await utimes(dir, when, when);
}

async function treeBytes(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function listFiles(dir) {
  const files = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"));
  }
  return files.sort();
}

function quiet(file, args, options) {
  const r = spawnSync(file, args, { ...options, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${file} failed (${r.status}):\n${(r.stderr ?? "").slice(-4000)}`);
}

function hasTool(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}
