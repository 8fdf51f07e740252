import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ScanReportSchema } from "../../core/report.js";
import { HttpError } from "../http-error.js";
import { prepareReport } from "../ingest.js";

/** POST /v1/reports: checks in the request, then the ledger writer commits it (group commit). */
export default async function ingestRoutes(app: FastifyInstance): Promise<void> {
  const { metrics, writer, options } = app.assay;
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
      const started = process.hrtime.bigint();
      let prepared: ReturnType<typeof prepareReport>;
      try {
        prepared = prepareReport(
          request.body,
          { id: principal.agentId, key: principal.key },
          app.assay.now(),
        );
      } catch (error) {
        metrics.reports.inc({ outcome: "rejected" });
        throw error;
      }
      const result = await writer.submit(prepared);
      metrics.ingestSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      metrics.reports.inc({ outcome: result.duplicate ? "duplicate" : "accepted" });
      if (result.duplicate) return reply.code(200).send(result);
      return reply.code(201).send({ id: result.id, ledgerSeq: result.ledgerSeq, hash: result.hash });
    },
  );
}
