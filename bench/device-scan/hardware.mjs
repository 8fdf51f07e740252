// The hardware probe's cost on this machine: systeminformation's import and system(), alone, and the whole
// Linux collector with every probe (hardware included) running at once. `npm run build` first.
// Usage: node bench/device-scan/hardware.mjs [runs]
const runs = Number(process.argv[2] ?? 5);
const { collectLinuxDevice } = await import("../../dist/collectors/device/linux/index.js");
const { realHost } = await import("../../dist/collectors/device/probe.js");
const t0 = performance.now();
const si = await import("systeminformation/lib/system.js");
const importMs = performance.now() - t0;
const system = [];
for (let i = 0; i < runs; i++) {
  const s = performance.now();
  await si.system();
  system.push(performance.now() - s);
}
// The apt simulation is cached (as in a real scan after the first); one warm-up run fills the cache.
const { mkdtempSync } = await import("node:fs");
const cacheDir = mkdtempSync("/tmp/assay-hw-bench-");
const host = (withHardware) => {
  const h = realHost({ now: new Date(), signal: new AbortController().signal, cacheDir });
  // Without: the same reader answering at once, so the difference is what system() adds to the collector.
  if (!withHardware)
    h.system = { ...h.system, read: async () => ({ manufacturer: "", model: "", serial: "" }) };
  return h;
};
await collectLinuxDevice(host(true));
const collect = [];
const without = [];
for (let i = 0; i < runs; i++) {
  let s = performance.now();
  await collectLinuxDevice(host(true));
  collect.push(performance.now() - s);
  s = performance.now();
  await collectLinuxDevice(host(false));
  without.push(performance.now() - s);
}
const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(", ");
console.log(`import systeminformation/lib/system.js: ${importMs.toFixed(0)} ms`);
console.log(`system(): ${fmt(system)} ms`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(0);
console.log(`collectLinuxDevice with hardware: ${fmt(collect)} ms (median ${median(collect)})`);
console.log(`collectLinuxDevice without:       ${fmt(without)} ms (median ${median(without)})`);
