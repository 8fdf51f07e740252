import { existsSync } from "node:fs";

/**
 * The Chromium to drive: $ASSAY_CHROMIUM, else Debian's or another usual install path. Without one a browser
 * test file is skipped with one line saying how to get it — except in CI, which always installs it.
 */
const CANDIDATES = [
  process.env.ASSAY_CHROMIUM !== "none" ? process.env.ASSAY_CHROMIUM : undefined,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
].filter((p): p is string => Boolean(p));

export function findChromium(testFile: string): string | undefined {
  const found = process.env.ASSAY_CHROMIUM === "none" ? undefined : CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    if (process.env.CI === "true")
      throw new Error(`CI=true but no Chromium at ${CANDIDATES.join(", ")}: .ci/run installs it`);
    process.stdout.write(
      `SKIPPED ${testFile}: no Chromium found — install it (Debian: \`apt-get install chromium\`) or set ASSAY_CHROMIUM=/path/to/chrome\n`,
    );
  }
  return found;
}

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
