import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ScanReportSchema } from "../../core/report.js";
import { HttpError } from "../http-error.js";
import { decodeUtf8Body } from "../input-rules.js";
import type { PreparedReport } from "../prepare.js";

/**
 * POST /v1/reports: the prepare pool checks the body (off this thread when it has workers), then the
 * ledger writer commits it (group commit).
 */
export default async function ingestRoutes(app: FastifyInstance): Promise<void> {
  const { metrics, writer, options, preparePool } = app.assay;
  // Reports arrive as text: parsing is part of the checks the pool runs (see prepareReportBody). This
  // parser is scoped to this plugin's routes. Bytes that are not UTF-8 are refused here (a cheap
  // check); depth and characters are checked with the rest, on the pool (prepareReport).
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    try {
      done(null, decodeUtf8Body(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.post(
    "/v1/reports",
    {
      config: { access: ["agent"] },
      bodyLimit: options.maxReportBytes,
      schema: {
        summary: "Submit a signed ScanReport; idempotent by report id",
        tags: ["reports"],
        body: z.toJSONSchema(ScanReportSchema, { io: "input", unrepresentable: "any" }),
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind !== "agent")
        throw new HttpError(403, "STORE_FORBIDDEN", "Only agents submit reports.");
      if (typeof request.body !== "string") {
        throw new HttpError(
          415,
          "STORE_UNSUPPORTED_MEDIA_TYPE",
          "Reports are sent as JSON with content-type application/json.",
        );
      }
      const started = process.hrtime.bigint();
      let prepared: PreparedReport;
      try {
        prepared = await preparePool.prepare(
          request.body,
          { id: principal.agentId, key: principal.key },
          app.assay.now(),
        );
      } catch (error) {
        metrics.reports.inc({ outcome: "rejected" });
        throw error;
      }
      let result: Awaited<ReturnType<typeof writer.submit>>;
      try {
        result = await writer.submit(prepared);
      } catch (error) {
        // Refusals found in the ledger transaction (RESOURCE_NOT_OWNED, a reused id) count as rejections.
        if (error instanceof HttpError && error.statusCode < 500)
          metrics.reports.inc({ outcome: "rejected" });
        throw error;
      }
      metrics.ingestSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      metrics.reports.inc({ outcome: result.duplicate ? "duplicate" : "accepted" });
      if (result.duplicate) return reply.code(200).send(result);
      return reply.code(201).send({ id: result.id, ledgerSeq: result.ledgerSeq, hash: result.hash });
    },
  );
}
