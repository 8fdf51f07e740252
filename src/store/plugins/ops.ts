import type { FastifyInstance } from "fastify";

/** Health, Prometheus metrics and the OpenAPI description: unauthenticated by design (no data in them). */
export default async function opsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/healthz",
    {
      config: { access: "public" },
      schema: { summary: "Liveness and database reachability", tags: ["ops"] },
    },
    async () => {
      await app.assay.store.db.selectFrom("ledger_head").select("seq").executeTakeFirst();
      return { status: "ok", database: app.assay.store.dialect };
    },
  );
  app.get(
    "/metrics",
    { config: { access: "public" }, schema: { summary: "Prometheus metrics", tags: ["ops"] } },
    async (_request, reply) => {
      const { registry } = app.assay.metrics;
      reply.header("content-type", registry.contentType);
      return registry.metrics();
    },
  );
  app.get("/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}
