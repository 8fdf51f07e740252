// Child process of run.mjs: one store (SQLite or PostgreSQL) or a no-op Fastify route, on 127.0.0.1:0.
import Fastify from "fastify";
import { buildApp } from "../../dist/store/app.js";
import { createApiToken } from "../../dist/store/token-admin.js";

const [target, location] = process.argv.slice(2);
let app;
if (target === "noop") {
  app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  // Same JSON body parsing as the store, nothing else: the ceiling the store is compared with.
  app.post("/v1/reports", async (_request, reply) => reply.code(201).send({ ok: true }));
} else {
  app = await buildApp({
    ...(target === "postgres" ? { databaseUrl: location } : { dataDir: location }),
    enrolmentSecret: "bench-enrolment-secret-0123456789",
    logLevel: "warn",
    backgroundJobs: false,
    // BENCH_INGEST_WORKERS=0 checks reports on the main thread (the default is one worker per extra core).
    ...(process.env.BENCH_INGEST_WORKERS ? { ingestWorkers: Number(process.env.BENCH_INGEST_WORKERS) } : {}),
  });
}
await app.listen({ host: "127.0.0.1", port: 0 });
// An admin token, so the bench can allow its cloud-scanning agents their account (store ownership).
const admin =
  target === "noop"
    ? undefined
    : (await createApiToken(app.assay.store.db, { role: "admin", name: "bench" })).token;
process.stdout.write(`${JSON.stringify({ port: app.server.address().port, admin })}\n`);
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
