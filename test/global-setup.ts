import { execFileSync } from "node:child_process";

/**
 * End-to-end tests run the built CLI (`dist/`) exactly as users and the agent's service files do, so build
 * once before any test file runs. tsc is incremental enough for this; a build error fails the run.
 */
export default function setup(): void {
  // For quick unit-test runs while dist/ is known to be current.
  if (process.env.ASSAY_SKIP_BUILD === "1") return;
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
  // The same precompiled rule cache `npm run build` writes, so tests exercise the path users run.
  execFileSync(process.execPath, ["dist/engine/write-yaml-cache.js"], { stdio: "ignore" });
}
