import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signReport } from "../../../src/core/signing.js";
import { PACKAGE_ROOT } from "../../../src/engine/paths.js";
import { CHROMIUM_FLAGS, findChromium } from "../../helpers/chromium.js";
import { recordExercised } from "../../helpers/test-environment.js";
import {
  buildReport,
  databases,
  enrolAgent,
  freshDatabase,
  personToken,
  postReport,
  signedReport,
  type TestAgent,
  type TestDatabase,
  testApp,
} from "../fixtures.js";
import { freePort, startOidcProvider } from "./oidc-provider.js";

const CHROMIUM = findChromium("test/store/dashboard/browser.test.ts");
const SHOTS = join(PACKAGE_ROOT, "reports", "dashboard");
const AXE = readFileSync(join(PACKAGE_ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>";
const RTL = "\u202Eevil.exe\u202C שלום عربى";
const LONG = `${"A".repeat(10_000)}`;
const ROLES = ["admin", "lead", "auditor"] as const;
type RoleName = (typeof ROLES)[number];
const PAGES: { name: string; url: string; roles: readonly RoleName[] }[] = [
  { name: "overview", url: "/", roles: ROLES },
  { name: "drift", url: "/drift", roles: ROLES },
  { name: "assets", url: "/assets", roles: ROLES },
  { name: "resource", url: "/resource?uid=device%3Alaptop-1", roles: ROLES },
  { name: "exceptions", url: "/exceptions", roles: ROLES },
  { name: "controls", url: "/controls?framework=iso27001-2022", roles: ROLES },
  { name: "control", url: "/control?framework=iso27001-2022&id=A.8.24", roles: ROLES },
  { name: "ledger", url: "/ledger", roles: ROLES },
  { name: "admin", url: "/admin", roles: ["admin"] },
];

/** axe-core run in the page (through the DevTools protocol, which the page's CSP does not govern). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(`${AXE}\n;0`);
  const violations = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help })))",
  )) as { id: string; impact: string; nodes: number; help: string }[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes): ${v.help}`);
}

describe.skipIf(!CHROMIUM)("the dashboard in Chromium", () => {
  const [sqlite] = databases();
  let tdb: TestDatabase;
  let app: FastifyInstance;
  let agent: TestAgent;
  let browser: Browser;
  let base: string;
  let provider: { close(): Promise<void> };
  const tokens: Partial<Record<RoleName, string>> = {};
  const problems: string[] = [];

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // A loaded 2-core CI machine (other test files run beside this one) can be slow to paint: wait longer.
    context.setDefaultTimeout(90_000);
    const page = await context.newPage();
    page.on("dialog", (d) => {
      problems.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
    return { context, page };
  }

  async function signInWithToken(page: Page, role: RoleName): Promise<void> {
    await page.goto(`${base}/`);
    expect(page.url()).toContain("/sign-in");
    await page.getByLabel("API token").fill(tokens[role]!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${base}/`);
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const [storePort, idpPort] = [await freePort(), await freePort()];
    base = `http://localhost:${storePort}`;
    process.env.ASSAY_TEST_OIDC_SECRET = "test-client-secret-0123456789";
    const idp = await startOidcProvider(idpPort, {
      id: "assay-dashboard",
      secret: process.env.ASSAY_TEST_OIDC_SECRET,
      redirectUri: `${base}/sign-in/oidc/callback`,
    });
    provider = idp;
    tdb = await freshDatabase(sqlite!);
    app = await testApp(tdb.options, {
      dashboard: {
        livePollMs: 200,
        oidc: {
          issuer: idp.issuer,
          clientId: "assay-dashboard",
          clientSecretEnv: "ASSAY_TEST_OIDC_SECRET",
          redirectUri: `${base}/sign-in/oidc/callback`,
          scopes: ["openid", "email", "groups"],
          roles: { lead: ["assay-leads"], auditor: ["external-auditors"] },
        },
      },
    });
    await app.listen({ port: storePort, host: "127.0.0.1" });
    for (const role of ROLES) tokens[role] = await personToken(app, role);
    agent = await enrolAgent(app, "laptops", "laptop-1");
    const before = signedReport(
      agent,
      [
        { ruleId: "DEV-SSH-001", resourceUid: "device:laptop-1", status: "pass", severity: "high" },
        { ruleId: "DEV-ENC-001", resourceUid: "device:laptop-1", status: "pass", severity: "critical" },
      ],
      new Date(Date.now() - 86_400_000),
    );
    expect((await postReport(app, agent, before)).statusCode).toBe(201);
    const report = buildReport(agent, [
      { ruleId: "DEV-SSH-001", resourceUid: "device:laptop-1", status: "fail", severity: "high" },
      { ruleId: "DEV-ENC-001", resourceUid: "device:laptop-1", status: "pass", severity: "critical" },
    ]);
    const device = report.resources.find((r) => r.uid === "device:laptop-1")!;
    device.type = "device";
    device.name = `laptop-1 ${RTL}`;
    device.attributes = {
      ...device.attributes,
      os: { platform: "linux", distro: "Debian GNU/Linux", release: "12", kernel: "6.1.0", arch: "x64" },
      hardware: { manufacturer: "LENOVO", model: HOSTILE, serial: LONG },
    };
    for (const f of report.findings) if (f.ruleId === "DEV-SSH-001") f.message = `${HOSTILE} ${RTL}`;
    expect(
      (await postReport(app, agent, signReport(report, agent.keys.privateKeyPem, agent.agentId))).statusCode,
    ).toBe(201);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    recordExercised(
      `browser:${execFileSync(CHROMIUM!, ["--version"], { encoding: "utf8" }).trim()} (${CHROMIUM})`,
    );
  }, 60_000);

  beforeEach(() => {
    problems.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await provider?.close();
    await tdb?.drop();
  });

  it.each(ROLES)(
    "opens every page as %s: readable, accessible, hostile text shown as text",
    async (role) => {
      const { context, page } = await newPage();
      await signInWithToken(page, role);
      for (const p of PAGES) {
        const response = await page.goto(`${base}${p.url}`);
        const allowed = p.roles.includes(role);
        expect(response?.status(), `${role} ${p.url}`).toBe(allowed ? 200 : 403);
        // Generous timeouts: on a loaded 2-core machine Chromium can take tens of seconds to paint a tall page.
        await page.screenshot({
          path: join(SHOTS, `${role}-${p.name}.png`),
          fullPage: true,
          timeout: 120_000,
        });
        expect(await seriousViolations(page), `${role} ${p.url}`).toEqual([]);
        // Nothing runs out of the page sideways, however long a value is.
        const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
        expect(overflow, `${role} ${p.url} overflow`).toBeLessThanOrEqual(1);
      }
      await page.goto(`${base}/resource?uid=device%3Alaptop-1`);
      const text = await page.locator("main").innerText();
      expect(text).toContain(HOSTILE);
      expect(text).toContain("\u202Eevil.exe");
      expect(await page.locator("main img").count()).toBe(0);
      await context.close();
      // Chromium logs the 403 of a page the role may not open (checked above); nothing else may be logged.
      expect(problems.filter((p) => !/\/admin: .*status of 403/.test(p))).toEqual([]);
    },
    600_000,
  );

  it("filters the drift feed and receives new events live", async () => {
    const { context, page } = await newPage();
    await signInWithToken(page, "lead");
    await page.goto(`${base}/drift`);
    await page.getByLabel("Severity").selectOption("high");
    await page.waitForURL(/severity=high/);
    expect(await page.locator("#drift-feed tbody tr").count()).toBeGreaterThan(0);
    await page.locator("select[name=type]").selectOption("resolved");
    await page.waitForURL(/type=resolved/);
    await expect.poll(() => page.locator("#drift-feed").innerText()).toContain("No drift events.");
    await page.goto(`${base}/drift`);
    await expect.poll(() => page.locator("[data-live-status]").innerText()).toContain("Live");
    const rowsBefore = await page.locator("#drift-feed tbody tr").count();
    const regress = signedReport(agent, [
      { ruleId: "DEV-SSH-001", resourceUid: "device:laptop-1", status: "fail", severity: "high" },
      { ruleId: "DEV-ENC-001", resourceUid: "device:laptop-1", status: "fail", severity: "critical" },
    ]);
    expect((await postReport(app, agent, regress)).statusCode).toBe(201);
    await expect
      .poll(() => page.locator("#drift-feed tbody tr").count(), { timeout: 10_000 })
      .toBe(rowsBefore + 1);
    expect(await page.locator("#drift-feed tbody tr").first().innerText()).toContain("DEV-ENC-001");
    await page.screenshot({ path: join(SHOTS, "drift-live.png"), fullPage: true });
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it("opens a resource's timeline from the assets list", async () => {
    const { context, page } = await newPage();
    await signInWithToken(page, "auditor");
    await page.goto(`${base}/assets`);
    await page.getByLabel("Search", { exact: true }).fill("LAPTOP-1");
    await page.getByRole("button", { name: "Search" }).click();
    await page
      .getByRole("link", { name: /laptop-1/ })
      .first()
      .click();
    await page.waitForURL(/\/resource\?uid=/);
    const timeline = await page.locator("#rule-DEV-SSH-001 .timeline").innerText();
    expect(timeline).toContain("regressed");
    expect(timeline).toContain("pass → fail");
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it("creates an exception as a lead and approves it as an admin", async () => {
    const lead = await newPage();
    await signInWithToken(lead.page, "lead");
    await lead.page.goto(`${base}/exceptions`);
    await lead.page.getByLabel("Rule").fill("DEV-SSH-001");
    await lead.page.getByLabel(/Resources/).fill("device:laptop-*");
    await lead.page.getByLabel("Owner of the risk").fill("IT operations");
    await lead.page.getByLabel("Reason").fill("Legacy backup agent needs password SSH until March");
    await lead.page
      .getByLabel(/Expires/)
      .fill(new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10));
    await lead.page.getByRole("button", { name: "Request" }).click();
    await expect.poll(() => lead.page.locator("[role=status]").innerText()).toContain("requested");
    expect(await lead.page.getByRole("button", { name: /Approve/ }).count()).toBe(0);
    const admin = await newPage();
    await signInWithToken(admin.page, "admin");
    await admin.page.goto(`${base}/exceptions?status=pending`);
    await admin.page.getByRole("button", { name: "Approve exception for DEV-SSH-001" }).click();
    await expect.poll(() => admin.page.locator("[role=status]").innerText()).toContain("approved until");
    await admin.page.goto(`${base}/`);
    expect(await admin.page.locator("main").innerText()).toContain("IT operations");
    await admin.page.screenshot({ path: join(SHOTS, "exceptions-approved.png"), fullPage: true });
    await lead.context.close();
    await admin.context.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it("exports a control's evidence for a chosen period as an auditor", async () => {
    const { context, page } = await newPage();
    await signInWithToken(page, "auditor");
    await page.goto(`${base}/controls?framework=iso27001-2022`);
    await page.getByRole("link", { name: "A.8.24" }).click();
    await page.waitForURL(/\/control\?/);
    await page.getByLabel("Format").selectOption("csv");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^iso27001-2022_A\.8\.24_.*\.csv$/);
    const text = readFileSync((await download.path())!, "utf8");
    expect(text.split("\n")[0]).toContain("rule_id");
    expect(text).toContain("DEV-ENC-001");
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);

  it("signs in through the identity provider (code + PKCE) with the role its group claim maps to", async () => {
    const { context, page } = await newPage();
    const login = async (who: string) => {
      await page.goto(`${base}/sign-in?next=%2Fassets`);
      await page.getByRole("link", { name: "Sign in with your organisation" }).click();
      await page.waitForURL(/localhost:\d+\/interaction\//);
      await page.locator("input[name=login]").fill(who);
      await page.locator("input[name=password]").fill("any");
      await page.locator("button[type=submit]").click();
      // The development consent screen, the first time a person signs in.
      if (/\/interaction\//.test(page.url())) await page.locator("button[type=submit]").click();
    };
    await login("alice");
    await page.waitForURL(`${base}/assets`);
    expect(await page.locator(".who").innerText()).toBe("alice@example.test (lead)");
    await page.screenshot({ path: join(SHOTS, "oidc-signed-in.png"), fullPage: true });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/);
    await context.clearCookies();
    await login("mallory");
    await page.waitForURL(/\/sign-in\/oidc\/callback/);
    expect(await page.locator("main").innerText()).toContain(
      'no value of the "groups" claim gives an Assay role',
    );
    await context.close();
    // The provider's own development pages may log, and Chromium logs mallory's 403 itself; nothing else.
    const ours = problems.filter((p) => p.includes(base) && !/oidc\/callback.*status of 403/.test(p));
    expect(ours).toEqual([]);
    problems.length = 0;
  }, 60_000);
});
