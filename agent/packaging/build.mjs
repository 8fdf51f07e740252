#!/usr/bin/env node
// npm run package [-- --targets linux-x64,win-x64] [--no-packages] [--out dist/packages]
// Builds the self-contained agent executables and the packages an MDM pushes (.deb, .rpm, .msi, the macOS
// launchd bundle) into dist/packages/, with SHA256SUMS. Needs: npm (runtimes), tar; dpkg-deb for .deb,
// rpmbuild for .rpm, wixl for .msi (Debian: dpkg, rpm, wixl). A missing tool skips its package with a line.
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildExecutables, loadRuntimes } from "./executables.mjs";
import { buildPackages } from "./packages.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values } = parseArgs({
  options: {
    targets: { type: "string" },
    out: { type: "string", default: join(root, "dist", "packages") },
    "no-packages": { type: "boolean", default: false },
  },
});
const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
const runtimes = await loadRuntimes(root);
const targets = values.targets ? values.targets.split(",") : Object.keys(runtimes.targets);
const outDir = resolve(values.out);
const log = (line) => process.stderr.write(`package: ${line}\n`);

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const started = Date.now();
const executables = await buildExecutables({ root, version, targets, outDir, log });
for (const e of executables)
  log(`${basename(e.file)}: ${(e.bytes / 1048576).toFixed(1)} MiB (Node ${e.nodeVersion})`);
const packages = values["no-packages"]
  ? []
  : await buildPackages({ root, version, executables, outDir, log });
for (const p of packages) log(`${basename(p.file)}: ${(p.bytes / 1048576).toFixed(1)} MiB`);
await rm(join(outDir, ".work"), { recursive: true, force: true });

const sums = [];
for (const file of [...executables.map((e) => e.file), ...packages.map((p) => p.file)]) {
  sums.push(
    `${createHash("sha256")
      .update(await readFile(file))
      .digest("hex")}  ${basename(file)}`,
  );
}
await writeFile(join(outDir, "SHA256SUMS"), `${sums.join("\n")}\n`);
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s → ${outDir}`);
