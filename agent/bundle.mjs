#!/usr/bin/env node
// Builds the single-file agent: dist/bundle/assay-agent.mjs plus the shipped rules beside it (dist/bundle/rules).
// The folder dist/bundle/ is what MDM installs (e.g. /opt/assay); it needs only Node >= 20.19.
//   node agent/bundle.mjs [outDir]
import { cp, readFile, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { agentBuildOptions } from "./bundle-options.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = resolve(process.argv[2] ?? join(root, "dist", "bundle"));
const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

await rm(outDir, { recursive: true, force: true });
const result = await build(
  agentBuildOptions({
    root,
    version,
    outfile: join(outDir, "assay-agent.mjs"),
    format: "esm",
    packageRoot: "module",
  }),
);
await cp(join(root, "rules"), join(outDir, "rules"), { recursive: true });
// The deployment files sit beside the bundle, so the folder is everything an MDM package needs.
for (const file of [
  "agent.example.yaml",
  "MDM.md",
  "linux/assay-agent.service",
  "linux/install-linux.sh",
  "macos/com.assay.agent.plist",
  "macos/install-macos.sh",
  "windows/assay-agent-task.xml",
  "windows/install-windows.ps1",
]) {
  await cp(join(root, "agent", file), join(outDir, file.split("/").at(-1)));
}
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(
  `bundle: ${join(outDir, "assay-agent.mjs")} (${(bytes / 1024).toFixed(0)} KiB) + rules/\n`,
);
