import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import secureJson from "secure-json-parse";
import { ASSAY_VERSION } from "../core/version.js";
import type { StoreContext } from "./context.js";
import { openDatabase } from "./db/connect.js";
import { migrateToLatest } from "./db/migrations.js";
import { EnrolmentLimiter } from "./enrol-limit.js";
import { errorBody, HttpError } from "./http-error.js";
import { ReportWriter } from "./ingest.js";
import { checkJsonDepth, decodeUtf8Body } from "./input-rules.js";
import { startBackgroundJobs } from "./jobs.js";
import { createMetrics } from "./metrics.js";
import { type StoreOptionsInput, StoreOptionsSchema } from "./options.js";
import { PreparePool } from "./prepare-pool.js";
import { loadStoreSigner, type StoreSigner } from "./store-key.js";
import { sha256Hex } from "./tokens.js";
import "./context.js";

export interface BuildAppOverrides {
  /** A clock for tests of windows and retention. */
  now?: () => Date;
  /** Where the JSON log lines go (default stdout); tests read them back. */
  logStream?: { write(line: string): void };
}

/**
 * The store as a Fastify app: shared context (database, metrics, ledger writer) decorated on the root,
 * authentication as a root hook, and one encapsulated plugin per area of routes. Nothing listens here;
 * tests use `app.inject()`, `assay store serve` calls `listen()`.
 */
export async function buildApp(
  input: StoreOptionsInput = {},
  overrides: BuildAppOverrides = {},
): Promise<FastifyInstance> {
  const options = StoreOptionsSchema.parse(input);
  const store = await openDatabase(options);
  store.pgPool?.on("error", (error) =>
    app.log.warn({ err: error }, "an idle PostgreSQL connection failed; the pool replaces it on next use"),
  );
  const now = overrides.now ?? (() => new Date());
  let signer: StoreSigner;
  try {
    await migrateToLatest(store.db, store.dialect);
    signer = await loadStoreSigner(store.db, options, now());
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = await createMetrics();
  const https = options.tls
    ? { key: readFileSync(options.tls.keyFile), cert: readFileSync(options.tls.certFile) }
    : null;

  const app = Fastify({
    logger: { level: options.logLevel, ...(overrides.logStream ? { stream: overrides.logStream } : {}) },
    bodyLimit: 1024 * 1024,
    // The bearer token never reaches a log line: request logs carry method, url and ids only.
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;

  const context: StoreContext = {
    options,
    store,
    signer,
    metrics,
    writer: new ReportWriter(store, options.alerts, metrics, now),
    preparePool: new PreparePool(options.ingestWorkers ?? defaultIngestWorkers(), app.log),
    enrolmentLimiter: new EnrolmentLimiter(options.enrolment, () => now().getTime()),
    instanceId: options.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`,
    enrolmentSecretSha256:
      options.enrolmentSecretSha256 ??
      (options.enrolmentSecret ? sha256Hex(options.enrolmentSecret) : undefined),
    now,
    routes: [],
    pages: [],
  };
  app.decorate("assay", context);

  // Bodies are JSON or nothing: without the default text/plain parser any other content type is a 415.
  // The JSON parser refuses bytes that are not UTF-8 and nesting beyond MAX_JSON_DEPTH before parsing
  // (input-rules.ts); the reports route takes the body as text instead (plugins/ingest.ts).
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // zod validates every input inside the handlers; the JSON schemas on routes are for the OpenAPI description.
  app.setValidatorCompiler(() => () => true);
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      if (error.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.retryAfterSeconds));
      return reply.code(error.statusCode).send(errorBody(error.code, error.message, error.field));
    }
    const status = error.statusCode ?? 500;
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return reply
        .code(415)
        .send(
          errorBody(
            "STORE_UNSUPPORTED_MEDIA_TYPE",
            `The store takes request bodies as application/json, not ${request.headers["content-type"] ?? "a body without a content type"}.`,
          ),
        );
    }
    if (status >= 400 && status < 500) {
      const message =
        error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
          ? `The request body is larger than this route accepts (${request.routeOptions.bodyLimit ?? "the limit"} bytes).`
          : error.message;
      return reply.code(status).send(errorBody(error.code ?? "STORE_BAD_REQUEST", message));
    }
    request.log.error({ err: error }, "request failed");
    return reply
      .code(500)
      .send(errorBody("STORE_INTERNAL", "The store could not complete the request; see its log."));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody("STORE_NOT_FOUND", `No route ${request.method} ${request.url.split("?")[0]}.`)),
  );
  app.addHook("onResponse", async (request, reply) => {
    metrics.httpRequests.inc({
      route: request.routeOptions.url ?? "unknown",
      method: request.method,
      status: String(reply.statusCode),
    });
  });

  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === "HEAD") continue;
      // Dashboard pages authenticate with the session cookie and are listed apart from the API.
      if (route.config?.page !== undefined) {
        context.pages.push({ method, url: route.url, page: route.config.page });
        continue;
      }
      context.routes.push({ method, url: route.url, access: route.config?.access });
    }
  });

  const swagger = await import("@fastify/swagger");
  await app.register(swagger.default, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Assay report store", version: ASSAY_VERSION },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register((await import("./plugins/auth.js")).default);
  await app.register((await import("./plugins/ops.js")).default);
  await app.register((await import("./plugins/agents.js")).default);
  await app.register((await import("./plugins/ingest.js")).default);
  await app.register((await import("./plugins/read.js")).default);
  await app.register((await import("./plugins/admin.js")).default);
  await app.register((await import("./plugins/tree.js")).default);
  await app.register((await import("./plugins/bundle.js")).default);
  if (options.dashboard.enabled) await app.register((await import("./dashboard/plugin.js")).default);

  const jobs = options.backgroundJobs ? startBackgroundJobs(context, app.log) : undefined;
  app.addHook("onClose", async () => {
    await jobs?.stop();
    await context.preparePool.close();
    await store.close();
  });
  app.log.info(
    {
      database: store.location,
      dialect: store.dialect,
      instance: context.instanceId,
      checkpointKey: signer.vkey,
      checkpointKeyFrom: signer.source,
    },
    "store ready",
  );
  return app;
}

/** A JSON body as Fastify's own parser reads it (`__proto__` and `constructor.prototype` refused), after the input rules. */
function parseJsonBody(bytes: Buffer): unknown {
  const text = decodeUtf8Body(bytes);
  if (text.length === 0) {
    throw new HttpError(400, "FST_ERR_CTP_EMPTY_JSON_BODY", "The request body is empty; send JSON.");
  }
  checkJsonDepth(text);
  try {
    return secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
  } catch (error) {
    throw new HttpError(
      400,
      "FST_ERR_CTP_INVALID_JSON_BODY",
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** One worker per core beyond the first (that one serves HTTP and writes the database), at most 4. */
function defaultIngestWorkers(): number {
  return Math.min(4, Math.max(0, availableParallelism() - 1));
}
