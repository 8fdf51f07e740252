// Self-contained agent executables: the agent bundled as one CommonJS script, prepared as a Node single
// executable application blob, and injected (postject) into the official Node 24 runtime of each platform.
// The runtimes come from the npm registry's node-<os>-<arch> packages, pinned by version and integrity.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { build } from "esbuild";
import { inject } from "postject";
import { agentBuildOptions } from "../bundle-options.mjs";

const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export async function loadRuntimes(root) {
  return JSON.parse(await readFile(join(root, "agent", "packaging", "runtimes.json"), "utf8"));
}

export function executableName(version, target) {
  return `assay-agent-${version}-${target}${target.startsWith("win-") ? ".exe" : ""}`;
}

/** Downloads (once) and verifies one runtime package; returns the path of its node binary. */
export async function fetchRuntime(spec, { cacheDir = defaultCacheDir(), log = () => {} } = {}) {
  const dir = join(cacheDir, `${spec.package}-${spec.version}`);
  const binary = join(dir, spec.binary.split("/").at(-1));
  if (await exists(binary)) return binary;
  await mkdir(dir, { recursive: true });
  log(`fetching ${spec.package}@${spec.version} from the npm registry`);
  const out = execFileSync(
    "npm",
    ["pack", `${spec.package}@${spec.version}`, "--pack-destination", dir, "--json"],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const tarball = join(dir, JSON.parse(out)[0].filename);
  const integrity = `sha512-${createHash("sha512")
    .update(await readFile(tarball))
    .digest("base64")}`;
  if (integrity !== spec.integrity) {
    await rm(tarball, { force: true });
    throw new Error(`${spec.package}@${spec.version}: integrity ${integrity} does not match runtimes.json`);
  }
  execFileSync("tar", ["-xzf", tarball, "-C", dir, spec.binary]);
  await rename(join(dir, spec.binary), `${binary}.part`);
  await rm(join(dir, "package"), { recursive: true, force: true });
  await rm(tarball, { force: true });
  await chmod(`${binary}.part`, 0o755);
  await rename(`${binary}.part`, binary);
  return binary;
}

/** The agent as one CommonJS file whose rules folder is found beside the executable. */
export async function bundleForExecutable(root, version, workDir) {
  const outfile = join(workDir, "assay-agent.cjs");
  await build(
    agentBuildOptions({ root, version, outfile, format: "cjs", packageRoot: "executable", minify: true }),
  );
  return outfile;
}

/**
 * Builds the executables for `targets` into outDir; returns [{ target, file, bytes, sha256 }].
 * Everything is pinned (runtimes by integrity, the bundle by the lockfile), so the bytes repeat from build to build.
 */
export async function buildExecutables({ root, version, targets, outDir, cacheDir, log = () => {} }) {
  const runtimes = await loadRuntimes(root);
  const workDir = join(outDir, ".work");
  await mkdir(workDir, { recursive: true });
  const script = await bundleForExecutable(root, version, workDir);
  const blobs = new Map();
  const results = [];
  for (const target of targets) {
    const spec = runtimes.targets[target];
    if (!spec)
      throw new Error(`unknown target ${target} (known: ${Object.keys(runtimes.targets).join(", ")})`);
    let blob = blobs.get(spec.version);
    if (!blob) {
      const preparer = runtimes.blobPreparers[spec.version];
      if (!preparer) throw new Error(`runtimes.json names no blob preparer for Node ${spec.version}`);
      const node = await fetchRuntime(preparer, { cacheDir, log });
      const config = join(workDir, `sea-${spec.version}.json`);
      const blobFile = join(workDir, `sea-${spec.version}.blob`);
      // No snapshot or code cache: both are specific to the V8 build that made them, and the blob must be
      // the same bytes for every platform of a version.
      // Relative paths, run from the work folder: the blob records the main script's path (it shows in stack
      // traces), and an absolute temp path would make every build's bytes different.
      await writeFile(
        config,
        JSON.stringify({
          main: basename(script),
          output: basename(blobFile),
          disableExperimentalSEAWarning: true,
          useSnapshot: false,
          useCodeCache: false,
          // A 1 MiB young generation: Node 24 idles ~20 MB above Node 20 with the same agent, and this keeps
          // the idle agent under its 80 MB budget (bench/agent-footprint: 80.9 → 77.6 MB) for a few more
          // scavenges during a scan (Node 24.6+ reads execArgv from the SEA config; older runtimes ignore it).
          execArgv: ["--max-semi-space-size=1"],
        }),
      );
      execFileSync(node, ["--experimental-sea-config", basename(config)], { cwd: workDir, stdio: "ignore" });
      blob = await readFile(blobFile);
      blobs.set(spec.version, blob);
    }
    const runtime = await fetchRuntime(spec, { cacheDir, log });
    const file = join(outDir, executableName(version, target));
    await copyFile(runtime, `${file}.part`);
    await chmod(`${file}.part`, 0o755);
    log(`injecting the agent into ${target} (Node ${spec.version})`);
    await inject(`${file}.part`, "NODE_SEA_BLOB", blob, {
      sentinelFuse: SEA_FUSE,
      machoSegmentName: spec.format === "macho" ? "NODE_SEA" : undefined,
    });
    await rename(`${file}.part`, file);
    const bytes = (await stat(file)).size;
    const sha256 = createHash("sha256")
      .update(await readFile(file))
      .digest("hex");
    results.push({ target, file, bytes, sha256, nodeVersion: spec.version });
  }
  return results;
}

export function defaultCacheDir() {
  return process.env.ASSAY_PACKAGE_CACHE ?? join(homedir(), ".cache", "assay-packaging");
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
