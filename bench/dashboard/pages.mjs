// Each dashboard page's server time on a store filled by fill.mjs: p50/p95 over N requests per page through
// `app.inject` (signed-in cookie, no network) and over real HTTP (fetch to the listening store), then the
// first paint of each page in Debian's Chromium (playwright-core, performance.getEntriesByType('paint')).
// Target (issue 16): p95 <= 200 ms per page on SQLite and PostgreSQL, first paint <= 1 s.
//
// Usage: npm run build && node bench/dashboard/pages.mjs --data-dir DIR [--database-url postgres://…]
//          [--requests 30] [--no-browser]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { buildApp } from "../../dist/store/app.js";
import { createApiToken } from "../../dist/store/token-admin.js";

const { values: opt } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    requests: { type: "string", default: "30" },
    "no-browser": { type: "boolean", default: false },
  },
});
if (!opt["data-dir"]) {
  console.error("pages.mjs: --data-dir is required (the directory fill.mjs filled)");
  process.exit(2);
}
const N = Number(opt.requests);
const app = await buildApp({
  dataDir: opt["data-dir"],
  databaseUrl: opt["database-url"],
  enrolmentSecret: "bench-enrolment-secret-0123456789",
  logLevel: "warn",
  backgroundJobs: false,
});
const { db, dialect } = app.assay.store;
// A device from the middle of the fleet for the Resource page.
const devices = await db
  .selectFrom("assets")
  .select((eb) => eb.fn.countAll().as("n"))
  .where("type", "=", "device")
  .executeTakeFirst();
const device = await db
  .selectFrom("assets")
  .select("uid")
  .where("type", "=", "device")
  .orderBy("uid")
  .limit(1)
  .offset(Math.floor(Number(devices?.n ?? 0) / 2))
  .executeTakeFirst();
const { token } = await createApiToken(db, { role: "admin", name: "dashboard bench" });
const signIn = await app.inject({
  method: "POST",
  url: "/sign-in",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  payload: new URLSearchParams({ token }).toString(),
});
const cookie = /(__Host-assay_session=[^;]+)/.exec(String(signIn.headers["set-cookie"]))?.[1];
if (!cookie) throw new Error(`sign-in failed: ${signIn.statusCode} ${signIn.body.slice(0, 200)}`);

const PAGES = [
  ["overview", "/"],
  ["drift", "/drift"],
  ["drift, group + severity filter", "/drift?group=finance&severity=high"],
  ["assets", "/assets"],
  ["assets, search", "/assets?q=latitude"],
  ["assets, failing only", "/assets?failing=1"],
  ["resource", `/resource?uid=${encodeURIComponent(device?.uid ?? "none")}`],
  ["exceptions", "/exceptions"],
  ["controls", "/controls?framework=iso27001-2022"],
  ["control", "/control?framework=iso27001-2022&id=A.8.24"],
  ["ledger", "/ledger"],
  ["admin", "/admin"],
];

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const ms = (x) => Math.round(x);

async function timed(run) {
  const times = [];
  let status;
  for (let i = 0; i < 3 + N; i++) {
    const t = performance.now();
    status = await run();
    if (i >= 3) times.push(performance.now() - t);
  }
  return { status, p50: ms(pct(times, 50)), p95: ms(pct(times, 95)), max: ms(Math.max(...times)) };
}

const results = [];
for (const [name, url] of PAGES) {
  const r = await timed(
    async () => (await app.inject({ method: "GET", url, headers: { cookie } })).statusCode,
  );
  results.push({ page: name, url, inject: r });
  console.error(`${name}: inject p50 ${r.p50} p95 ${r.p95} (status ${r.status})`);
}

await app.listen({ port: 0, host: "127.0.0.1" });
const port = app.server.address().port;
const base = `http://localhost:${port}`;
for (const result of results) {
  result.http = await timed(async () => {
    const res = await fetch(base + result.url, { headers: { cookie } });
    await res.arrayBuffer();
    return res.status;
  });
  console.error(`${result.page}: http p50 ${result.http.p50} p95 ${result.http.p95}`);
}

if (!opt["no-browser"]) {
  const browser = await chromium.launch({
    executablePath: process.env.ASSAY_CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/sign-in`);
    await page.fill('input[name="token"]', token);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
    for (const result of results) {
      const paints = [];
      for (let i = 0; i < 3; i++) {
        const response = await page.goto(base + result.url, { waitUntil: "load" });
        if (response?.status() !== 200)
          throw new Error(`${result.url}: status ${response?.status()} in Chromium`);
        // Paint entries are queued after the frame is presented, which can come after `load`.
        const handle = await page.waitForFunction(
          () => {
            const paints = performance.getEntriesByType("paint");
            const entry = paints.find((e) => e.name === "first-contentful-paint") ?? paints[0];
            return entry ? entry.startTime : undefined;
          },
          undefined,
          { timeout: 10_000 },
        );
        paints.push(await handle.jsonValue());
      }
      result.firstPaintMs = paints.map(ms);
      console.error(`${result.page}: first paint ${result.firstPaintMs.join(", ")} ms`);
    }
  } finally {
    await browser.close();
  }
}
await app.close();

console.log(
  JSON.stringify({
    database: dialect,
    requestsPerPage: N,
    loadAverage: loadavg().map((l) => +l.toFixed(1)),
    results,
  }),
);
console.log(
  "\n| page | inject p50 / p95 | HTTP p50 / p95 | first paint (3 loads) |\n| --- | --- | --- | --- |",
);
for (const r of results)
  console.log(
    `| ${r.page} | ${r.inject.p50} / ${r.inject.p95} ms | ${r.http.p50} / ${r.http.p95} ms | ${r.firstPaintMs ? `${r.firstPaintMs.join(", ")} ms` : "-"} |`,
  );
