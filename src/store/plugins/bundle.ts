import { PassThrough } from "node:stream";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { z } from "zod";
import { type Framework, loadFrameworks } from "../../engine/catalogue.js";
import { BUILTIN_FRAMEWORKS_DIR } from "../../engine/paths.js";
import { buildBundle } from "../../evidence/build.js";
import { storeTreeProofs } from "../../evidence/store-proofs.js";
import type { StoreContext } from "../context.js";
import { HttpError } from "../http-error.js";
import { QueryText } from "../query-text.js";
import { treeSize } from "../tree.js";
import { parseInput } from "../validate.js";

const READERS = ["admin", "lead", "auditor"] as const;
const Timestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const List = (item: z.ZodString) =>
  QueryText.transform((s) => s.split(",").filter((x) => x.length > 0)).pipe(z.array(item).max(500));

const BundleQuery = z.strictObject({
  framework: QueryText.pipe(
    z.string().regex(/^[a-z0-9-]+$/u, "a framework id such as iso27001-2022"),
  ).optional(),
  controls: List(z.string().min(1).max(100)).optional(),
  from: Timestamp,
  to: Timestamp,
  witnessed: List(z.string().regex(/^[1-9][0-9]{0,15}$/u, "tree sizes, comma-separated")).optional(),
});

/** A date alone means the whole day: `from` at its first millisecond, `to` at its last. */
function instant(value: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/u.test(value)) return `${value}T${end ? "23:59:59.999" : "00:00:00.000"}Z`;
  return new Date(value).toISOString();
}

/**
 * `GET /v1/evidence/bundle`: the evidence bundle (zip) an auditor verifies offline (`docs/auditors.md`),
 * streamed as it is built; the store holds a page of ledger entries at a time, never the whole bundle.
 */
export default async function bundleRoutes(app: FastifyInstance): Promise<void> {
  const { store, options } = app.assay;
  let frameworks: Framework[] = [];
  try {
    frameworks = await loadFrameworks(options.frameworksDir ?? BUILTIN_FRAMEWORKS_DIR);
  } catch (error) {
    app.log.warn(
      { err: error },
      "framework catalogues could not be loaded; bundles list only the controls asked for",
    );
  }

  app.get(
    "/v1/evidence/bundle",
    {
      config: { access: READERS },
      schema: {
        summary:
          "An evidence bundle (zip): signed reports, ledger entries with inclusion proofs, the signed checkpoint, findings and OSCAL, for ?framework=&controls=&from=&to=[&witnessed=sizes]",
        tags: ["read"],
      },
    },
    async (request, reply) => {
      const q = parseInput(BundleQuery, request.query, "query");
      const from = instant(q.from, false);
      const to = instant(q.to, true);
      if (from > to) throw new HttpError(400, "STORE_BAD_REQUEST", "from must not be after to.", "from");
      const controls = q.controls ?? [];
      if (q.framework) {
        const fw = frameworks.find((f) => f.framework === q.framework);
        if (!fw)
          throw new HttpError(400, "STORE_BAD_REQUEST", `Unknown framework ${q.framework}.`, "framework");
        const unknown = controls.filter((c) => !fw.controls.some((x) => x.id === c));
        if (unknown.length)
          throw new HttpError(
            400,
            "STORE_BAD_REQUEST",
            `Not a control of ${q.framework}: ${unknown.join(", ")}.`,
            "controls",
          );
      } else if (controls.length) {
        throw new HttpError(400, "STORE_BAD_REQUEST", "controls need a framework.", "framework");
      }
      const size = await treeSize(store.db);
      if (size === 0) throw new HttpError(404, "STORE_NOT_FOUND", "The ledger has no entries yet.");
      const witnessedSizes = (q.witnessed ?? []).map(Number);
      const tooNew = witnessedSizes.find((s) => s > size);
      if (tooNew !== undefined)
        throw new HttpError(
          400,
          "STORE_BAD_REQUEST",
          `Witnessed size ${tooNew} is past the ledger's ${size} entries.`,
          "witnessed",
        );

      const out = streamEvidenceBundle(
        app.assay,
        frameworks,
        { framework: q.framework, controls, from, to, witnessedSizes },
        request.log,
      );
      const stamp = app.assay.now().toISOString().replaceAll(":", "").slice(0, 15);
      return reply
        .header("content-type", "application/zip")
        .header("content-disposition", `attachment; filename="assay-evidence-${stamp}.zip"`)
        .send(out);
    },
  );
}

/**
 * Builds a bundle into a stream as it goes (the store holds a page of ledger entries at a time). A failure after
 * the headers are gone cuts the stream, so the client sees a broken download, never a short zip. The dashboard's
 * control export uses it too.
 */
export function streamEvidenceBundle(
  ctx: StoreContext,
  frameworks: Framework[],
  query: { framework?: string; controls: string[]; from: string; to: string; witnessedSizes: number[] },
  log: FastifyBaseLogger,
): PassThrough {
  const out = new PassThrough();
  buildBundle(
    ctx.store.db,
    storeTreeProofs(ctx.store.db, ctx.signer, ctx.now),
    frameworks,
    query,
    out,
    ctx.now(),
  ).catch((error: unknown) => {
    log.error({ err: error }, "evidence bundle failed while streaming");
    out.destroy(error as Error);
  });
  return out;
}
