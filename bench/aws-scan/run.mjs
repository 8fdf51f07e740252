// AWS collector benchmark. Usage: node bench/aws-scan/run.mjs [all|small|large|large50|cpu]
// Compiles the bench, the collector and the test emulator to bench/out/aws-scan, then runs bench/aws-scan/run.ts.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "bench/aws-scan/tsconfig.json"], {
  cwd: root,
  stdio: "inherit",
});
execFileSync(process.execPath, ["bench/out/aws-scan/bench/aws-scan/run.js", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
});
