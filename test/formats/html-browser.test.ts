import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/core/report.js";
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
let stressFile: string;

/**
 * The real scan with the long unbroken text real reports carry (ARNs, Azure resource ids, a long host name, a
 * collector error quoting an SDK message, a JSON policy as evidence), to check nothing runs out of the page.
 */
function stressReport(report: ScanReport): ScanReport {
  const longToken = `arn:aws:iam::123456789012:policy/${"service-role/".repeat(12)}AssayReadOnlyAccessForEveryAccountInTheOrganization`;
  const failing = report.findings.find((f) => f.status === "fail" && !f.exception);
  const resource = report.resources.find((r) => r.uid === failing?.resourceUid);
  if (!failing || !resource) throw new Error("no failing finding");
  return {
    ...report,
    agent: { ...report.agent, hostname: `build-agent-${"x".repeat(120)}.eu-west-1.compute.internal` },
    scope: {
      ...report.scope,
      collectors: ["device", "aws", "azure", "gcp"],
      accounts: ["123456789012", "210987654321"],
      regions: ["eu-west-1", "eu-west-2", "us-east-1"],
    },
    resources: [...report.resources, { ...resource, uid: longToken, name: longToken }],
    collectorErrors: [
      ...report.collectorErrors,
      {
        collector: "aws",
        scope: `${longToken}/eu-west-1/iam`,
        code: "AccessDeniedException",
        message: `User: ${longToken} is not authorized to perform: iam:GenerateCredentialReport on resource: ${longToken} because no identity-based policy allows the iam:GenerateCredentialReport action`,
        permission: "iam:GenerateCredentialReport",
        resourceTypes: ["aws.iam.account", "aws.iam.user", "aws.iam.credentialReport"],
      },
    ],
    findings: [
      ...report.findings,
      {
        ...failing,
        resourceUid: longToken,
        evidence: {
          policyDocument: {
            value: JSON.stringify({
              Statement: Array.from({ length: 30 }, (_, i) => ({
                Effect: "Allow",
                Action: `s3:Get${i}`,
                Resource: longToken,
              })),
            }),
          },
          name: { value: longToken, source: `api: iam:GetPolicyVersion ${longToken}` },
        },
      },
    ],
  };
}
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
  stressFile = join(REPORTS, "formats-test-report-long.html");
  await writeFile(
    stressFile,
    await renderToString(
      htmlRenderer.render(stressReport(scan.report), {
        baseline: scan.baseline,
        frameworks: scan.frameworks,
      }),
    ),
  );
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

  it("nothing runs out of the page at 1,100 px or in print, and the PDF keeps A4 pages", async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(pathToFileURL(stressFile).href);
    expect(await overflowing(page)).toEqual([]);
    // Print: A4 is 210 mm = 794 CSS px wide; page.pdf below uses no margins.
    await page.emulateMedia({ media: "print" });
    await page.setViewportSize({ width: 794, height: 1123 });
    expect(await overflowing(page)).toEqual([]);
    const pdf = join(REPORTS, "formats-html-report-long.pdf");
    await page.pdf({ path: pdf, format: "A4", printBackground: true });
    const bytes = await readFile(pdf, "latin1");
    const pages = bytes.match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    expect(pages).toBeGreaterThan(1);
    // Every page is A4 (595.3 x 841.9 pt; Chromium writes 595.92 x 842.88): nothing widened a page.
    const boxes = [...bytes.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(boxes.length).toBeGreaterThan(0);
    for (const [w = 0, hgt = 0] of boxes) {
      expect(Math.abs(w - 595.3)).toBeLessThan(1.5);
      expect(Math.abs(hgt - 841.9)).toBeLessThan(1.5);
    }
    await page.close();
  });

  it("the canary: the width check catches an element that runs out of the page", async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(pathToFileURL(stressFile).href);
    await page.evaluate(
      'document.querySelector("#summary").insertAdjacentHTML("beforeend", "<p style=\'white-space:nowrap\'>" + "y".repeat(400) + "</p>")',
    );
    expect((await overflowing(page)).length).toBeGreaterThan(0);
    await page.close();
  });

  it("has a table of contents with counts, evidence one click away, and messages in words", async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(stressFile).href);
    const toc = page.locator("nav#contents li a");
    expect(await toc.count()).toBeGreaterThanOrEqual(7);
    const failingEntry = await page.locator('nav#contents a[href="#failing"]').textContent();
    expect(failingEntry).toMatch(/\(\d+ findings, \d+ rules\)/);
    const long = page
      .locator("td.ev details")
      .filter({
        has: page.locator(".full", { hasText: "AssayReadOnlyAccessForEveryAccountInTheOrganization" }),
      })
      .first();
    expect(await long.locator(".full").isVisible()).toBe(false);
    await long.locator("summary").click();
    expect(await long.locator(".full").isVisible()).toBe(true);
    expect(await long.locator(".full").textContent()).toContain(
      "AssayReadOnlyAccessForEveryAccountInTheOrganization",
    );
    expect(await page.locator("#failing td", { hasText: /^failed: / }).count()).toBe(0);
    expect(
      await page.locator("#pass-rate-chart .chart-rate", { hasText: / of \d+\)/ }).count(),
    ).toBeGreaterThan(0);
    await page.close();
  });
});

/** Elements of the report whose right edge passes the page's content edge, or a page that scrolls sideways. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const out = [];
    const limit = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > limit + 1)
      out.push("page scrolls sideways: " + document.documentElement.scrollWidth + " > " + limit);
    for (const el of document.querySelectorAll("main *")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > limit + 1 || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible")
        out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className + " right=" + Math.round(r.right) + " > " + limit);
    }
    return out.slice(0, 10);
  })()`);
}
