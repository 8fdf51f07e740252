// esbuild options shared by the two agent builds: the single-file bundle for a system Node (agent/bundle.mjs,
// ESM) and the self-contained executables (agent/packaging/, CommonJS, because Node's single executable
// applications run a CommonJS main script).
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * @param {{ root: string, version: string, outfile: string, format: "esm" | "cjs",
 *           packageRoot: "module" | "executable", minify?: boolean }} options
 *   packageRoot: where the shipped rules/ folder is found at run time: beside the bundle file ("module") or
 *   beside the executable ("executable", i.e. dirname(process.execPath)).
 */
export function agentBuildOptions({ root, version, outfile, format, packageRoot, minify }) {
  const packageRootSource =
    packageRoot === "executable"
      ? "export const PACKAGE_ROOT = dirname(process.execPath); void fileURLToPath; void resolve;"
      : "export const PACKAGE_ROOT = dirname(fileURLToPath(import.meta.url));";
  // Two modules find files relative to their own location in the source tree (package.json, rules/). In the
  // bundle everything sits in one file, so they are replaced: the version is fixed at build time and the
  // rules folder is the one shipped beside the bundle (or the executable).
  const relocate = {
    name: "assay-relocate",
    setup(b) {
      // Cloud collectors are not in the device agent (their SDKs would be hoisted to static imports). Their
      // lazy loaders resolve to a module that fails with a sentence, which the scan reports as a collector error.
      b.onResolve({ filter: /^\.\/(aws|azure|gcp)\/index\.js$/ }, (args) =>
        /[\\/]src[\\/]collectors[\\/]registry\.ts$/.test(args.importer)
          ? { path: args.path.split("/")[1], namespace: "assay-cloud-absent" }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: "assay-cloud-absent" }, (args) => ({
        contents: `throw new Error(${JSON.stringify(
          `the ${args.path} collector is not part of the device agent; run cloud reviews from the npm package (assay scan) or the container image`,
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
          throw new Error(`${args.path}: PACKAGE_ROOT definition changed; update agent/bundle-options.mjs`);
        return { contents: source.replace(pattern, packageRootSource), loader: "ts" };
      });
    },
  };
  return {
    entryPoints: [join(root, "src", "agent", "bundle-main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format,
    target: "node20",
    minify: minify ?? process.env.ASSAY_BUNDLE_MINIFY !== "0",
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
    // Cloud SDKs are not part of the device agent: cloud reviews run from the npm package or the container
    // image. A cloud job started from the agent reports a collector error naming the missing module.
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
    // ESM bundles still meet CommonJS dependencies that call require(); give them one. A CommonJS bundle has
    // require but no import.meta, which ESM dependencies (node-cron) read at load: it becomes the executable's URL.
    banner:
      format === "esm"
        ? {
            js: "import { createRequire as __assayCreateRequire } from 'node:module'; const require = __assayCreateRequire(import.meta.url);",
          }
        : { js: 'const __assayImportMetaUrl = require("node:url").pathToFileURL(process.execPath).href;' },
    define: format === "cjs" ? { "import.meta.url": "__assayImportMetaUrl" } : undefined,
    plugins: [relocate],
  };
}
