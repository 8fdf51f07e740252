#!/usr/bin/env node
// Builds the single-file agent: dist/bundle/assay-agent.mjs plus the shipped rules beside it (dist/bundle/rules).
// The folder dist/bundle/ is what MDM installs (e.g. /opt/assay); it needs only Node >= 20.19.
//   node agent/bundle.mjs [outDir]
import { cp, readFile, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = resolve(process.argv[2] ?? join(root, "dist", "bundle"));
const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

// Two modules find files relative to their own location in the source tree (package.json, rules/). In the
// bundle everything sits in one file, so they are replaced: the version is fixed at build time and the
// rules folder is the one shipped beside the bundle.
const relocate = {
  name: "assay-relocate",
  setup(b) {
    // Cloud collectors are not in the device bundle (their SDKs would be hoisted to static imports). Their
    // lazy loaders resolve to a module that fails with a sentence, which the scan reports as a collector error.
    b.onResolve({ filter: /^\.\/(aws|azure|gcp)\/index\.js$/ }, (args) =>
      /[\\/]src[\\/]collectors[\\/]registry\.ts$/.test(args.importer)
        ? { path: args.path.split("/")[1], namespace: "assay-cloud-absent" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "assay-cloud-absent" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(
        `the ${args.path} collector is not part of the device agent bundle; run cloud reviews from the npm package (assay scan) or the container image`,
      )});`,
      loader: "js",
    }));
    b.onLoad({ filter: /[\\/]src[\\/]core[\\/]version\.ts$/ }, () => ({
      contents: `export const ASSAY_VERSION = ${JSON.stringify(version)};`,
      loader: "ts",
    }));
    b.onLoad({ filter: /[\\/]src[\\/]engine[\\/]paths\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const pattern = /export const PACKAGE_ROOT = [^;]+;/;
      if (!pattern.test(source))
        throw new Error(`${args.path}: PACKAGE_ROOT definition changed; update agent/bundle.mjs`);
      return {
        contents: source.replace(
          pattern,
          "export const PACKAGE_ROOT = dirname(fileURLToPath(import.meta.url));",
        ),
        loader: "ts",
      };
    });
  },
};

await rm(outDir, { recursive: true, force: true });
const result = await build({
  entryPoints: [join(root, "src", "agent", "bundle-main.ts")],
  outfile: join(outDir, "assay-agent.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: process.env.ASSAY_BUNDLE_MINIFY !== "0",
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
  // Cloud SDKs are not part of the device bundle: cloud reviews run from the npm package or the container
  // image. A cloud job started from the bundle reports a collector error naming the missing module.
  external: [
    "@aws-sdk/*",
    "@smithy/*",
    "@azure/*",
    "@google-cloud/*",
    "@googleapis/*",
    "googleapis",
    "googleapis-common",
    "google-auth-library",
  ],
  // ESM bundles still meet CommonJS dependencies that call require(); give them one.
  banner: {
    js: "import { createRequire as __assayCreateRequire } from 'node:module'; const require = __assayCreateRequire(import.meta.url);",
  },
  plugins: [relocate],
});
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
