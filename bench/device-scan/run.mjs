// Device scan wall time and peak RSS: `assay scan` as a user runs it, 5 times; prints the median.
// Usage: npm run build && node bench/device-scan/run.mjs [runs=5]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const runs = Number(process.argv[2] ?? 5);
const root = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "assay-bench-"));
const results = [];
for (let i = 0; i < runs; i += 1) {
  // /usr/bin/time -v reports the child's peak RSS (maximum resident set size).
  const started = process.hrtime.bigint();
  const child = spawnSync(
    "/usr/bin/time",
    [
      "-v",
      process.execPath,
      join(root, "dist/cli/index.js"),
      "scan",
      "--format",
      "json",
      "--out",
      join(out, `scan-${i}.json`),
    ],
    { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr);
  if (!rss) throw new Error(`could not read peak RSS (is GNU time installed?)\n${child.stderr}`);
  const report = JSON.parse(readFileSync(join(out, `scan-${i}.json`), "utf8"));
  results.push({
    wallMs,
    peakRssMb: Number(rss[1]) / 1024,
    findings: report.findings.length,
    exit: child.status,
  });
}
const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  JSON.stringify({
    bench: "device-scan",
    runs,
    medianWallMs: Math.round(median(results.map((r) => r.wallMs))),
    medianPeakRssMb: Math.round(median(results.map((r) => r.peakRssMb))),
    maxPeakRssMb: Math.round(Math.max(...results.map((r) => r.peakRssMb))),
    findings: results[0]?.findings,
    walls: results.map((r) => Math.round(r.wallMs)),
  }),
);
