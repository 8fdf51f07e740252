import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/engine/paths.js";
import { renderToString } from "../../src/formats/chunks.js";
import { htmlRenderer } from "../../src/formats/html.js";
import { recordExercised } from "../helpers/test-environment.js";
import { buildRealScan } from "./real-scan.js";

/**
 * The Chromium to drive: $ASSAY_CHROMIUM, else Debian's or another usual install path. Without one the file is
 * skipped with one line saying how to get it — except in CI, which always installs it, where that is a failure.
 */
const CHROMIUM_CANDIDATES = [
  process.env.ASSAY_CHROMIUM !== "none" ? process.env.ASSAY_CHROMIUM : undefined,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
].filter((p): p is string => Boolean(p));
// ASSAY_CHROMIUM=none runs the suite as a machine without a browser would.
const CHROMIUM =
  process.env.ASSAY_CHROMIUM === "none" ? undefined : CHROMIUM_CANDIDATES.find((p) => existsSync(p));
if (!CHROMIUM) {
  if (process.env.CI === "true")
    throw new Error(`CI=true but no Chromium at ${CHROMIUM_CANDIDATES.join(", ")}: .ci/run installs it`);
  process.stdout.write(
    "SKIPPED test/formats/html-browser.test.ts: no Chromium found — install it (Debian: `apt-get install chromium`) or set ASSAY_CHROMIUM=/path/to/chrome\n",
  );
}

/** The HTML report opened in Debian's Chromium, headless, offline: what a reviewer sees and prints. */
const REPORTS = join(PACKAGE_ROOT, "reports");
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let context: BrowserContext;
let file: string;
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  if (!CHROMIUM) return;
  const scan = await buildRealScan();
  const html = await renderToString(
    htmlRenderer.render(scan.report, { baseline: scan.baseline, frameworks: scan.frameworks }),
  );
  await mkdir(REPORTS, { recursive: true });
  file = join(REPORTS, "formats-test-report.html");
  await writeFile(file, html);
  const profile = await mkdtemp(join(tmpdir(), "assay-chromium-"));
  // A fresh profile each run; playwright passes it as --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  context.on("request", (request) => requests.push(request.url()));
  recordExercised(
    `browser:${execFileSync(CHROMIUM, ["--version"], { encoding: "utf8" }).trim()} (${CHROMIUM})`,
  );
});

afterAll(async () => {
  await context?.close();
});

describe.skipIf(!CHROMIUM)("HTML report in headless Chromium", () => {
  it("renders without console errors or network requests and shows the chart", async () => {
    const page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

    expect(consoleErrors).toEqual([]);
    // The only request is the file itself: nothing fetched from any network.
    expect(requests.filter((url) => url !== pathToFileURL(file).href)).toEqual([]);

    const chart = page.locator("#pass-rate-chart");
    await expect.poll(() => chart.isVisible()).toBe(true);
    const box = await chart.boundingBox();
    expect(box?.width).toBeGreaterThan(400);
    expect(box?.height).toBeGreaterThan(100);
    expect(await page.locator("#pass-rate-chart g.bar").count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator("#pass-rate-chart rect.seg-fail").count()).toBeGreaterThan(0);
    expect(await page.locator("#failing .rule").count()).toBeGreaterThan(0);
    expect(await page.locator("#changes-regressed + table tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator('table.coverage[data-framework="iso27001-2022"] tbody tr').count()).toBe(93);
    // Escaped data stays text: the hostile host name is shown, not parsed as markup.
    expect(await page.locator('text=server-<db>&"01"').count()).toBeGreaterThan(0);

    const screenshot = join(REPORTS, "formats-html-report.png");
    await page.screenshot({ path: screenshot, fullPage: false });
    const chartShot = join(REPORTS, "formats-html-chart.png");
    await chart.screenshot({ path: chartShot });
    expect((await stat(screenshot)).size).toBeGreaterThan(20_000);
    expect((await stat(chartShot)).size).toBeGreaterThan(5_000);
    await page.close();
  });

  it("prints: the print stylesheet applies and a PDF is produced", async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    await page.emulateMedia({ media: "print" });
    const background = await page.evaluate("getComputedStyle(document.body).backgroundColor");
    expect(background).toBe("rgb(255, 255, 255)");
    const maxWidth = await page.evaluate('getComputedStyle(document.querySelector("main")).maxWidth');
    expect(maxWidth).toBe("none");
    const pdf = join(REPORTS, "formats-html-report.pdf");
    await page.pdf({ path: pdf, format: "A4", printBackground: true });
    expect((await stat(pdf)).size).toBeGreaterThan(20_000);
    await page.close();
  });
});
