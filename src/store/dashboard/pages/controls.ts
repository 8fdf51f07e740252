import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Framework } from "../../../engine/catalogue.js";
import {
  type ControlStatus,
  controlStatusOf,
  emptyCounts,
  type RuleOutcomeCounts,
  type RuleStatus,
  ruleStatusFromCounts,
} from "../../../formats/coverage-model.js";
import type { StoreContext } from "../../context.js";
import { evidenceChunks } from "../../evidence.js";
import { activeExceptions, exceptionFor } from "../../exceptions.js";
import { HttpError } from "../../http-error.js";
import { streamEvidenceBundle } from "../../plugins/bundle.js";
import { QueryText } from "../../query-text.js";
import { treeSize } from "../../tree.js";
import { parseInput } from "../../validate.js";
import { html, queryString, type SafeHtml } from "../html.js";
import { failingSinceOfObservations, standaloneAssessmentResults } from "../oscal-export.js";

const ControlsQuery = z.strictObject({ framework: QueryText.optional() });
const ControlQuery = z.strictObject({ framework: QueryText, id: QueryText });
const Day = z.iso.date();
export const ExportQuery = z.strictObject({
  framework: QueryText,
  id: QueryText,
  from: Day,
  to: Day,
  format: z.enum(["jsonl", "csv", "bundle", "oscal"]),
});

const STATUS_TEXT: Record<ControlStatus, string> = {
  satisfied: "satisfied: every mapped rule ran and passed",
  failing: "failing",
  excepted: "failing, accepted by an exception",
  partial:
    "partial: some mapped rules passed, others did not run, could not be evaluated, or manual evidence is also needed",
  "not-assessed": "not assessed: no mapped rule ran",
  manual: "manual: no automated rule; evidence is gathered by hand",
};

/**
 * How each rule stands across every resource now: the current state's counts, with failures an approved
 * store exception covers counted as excepted. A rule no report has a result for is not evaluated.
 */
async function ruleCounts(ctx: StoreContext): Promise<Map<string, RuleOutcomeCounts>> {
  const rows = await ctx.store.db
    .selectFrom("current_state")
    .select(["rule_id", "status", (eb) => eb.fn.countAll().as("n")])
    .groupBy(["rule_id", "status"])
    .execute();
  const map = new Map<string, RuleOutcomeCounts>();
  for (const r of rows) {
    const c = map.get(r.rule_id) ?? emptyCounts();
    if (r.status === "pass" || r.status === "fail" || r.status === "error" || r.status === "skip")
      c[r.status] += Number(r.n);
    map.set(r.rule_id, c);
  }
  const active = await activeExceptions(ctx.store.db, ctx.now());
  if (active.length > 0) {
    const failing = await ctx.store.db
      .selectFrom("current_state")
      .select(["resource_uid", "rule_id"])
      .where("status", "=", "fail")
      .where(
        "rule_id",
        "in",
        active.map((e) => e.rule_id),
      )
      .execute();
    for (const f of failing) {
      const c = map.get(f.rule_id);
      if (c && exceptionFor(active, f.rule_id, f.resource_uid)) {
        c.fail -= 1;
        c.excepted += 1;
      }
    }
  }
  return map;
}

interface ControlView {
  id: string;
  title: string;
  status: ControlStatus;
  rules: { id: string; status: RuleStatus; counts: RuleOutcomeCounts }[];
  manual: string[];
}

function viewControls(framework: Framework, counts: Map<string, RuleOutcomeCounts>): ControlView[] {
  return framework.controls.map((c) => {
    const rules = c.rules.map((id) => {
      const rc = counts.get(id);
      return {
        id,
        status: ruleStatusFromCounts(rc ?? emptyCounts(), rc !== undefined),
        counts: rc ?? emptyCounts(),
      };
    });
    return {
      id: c.id,
      title: c.title,
      status: controlStatusOf(
        rules.map((r) => r.status),
        (c.manual?.length ?? 0) > 0,
      ),
      rules,
      manual: c.manual ?? [],
    };
  });
}

function frameworkOf(frameworks: readonly Framework[], id: string | undefined): Framework {
  const found = id ? frameworks.find((f) => f.framework === id) : frameworks[0];
  if (!found)
    throw new HttpError(
      404,
      "STORE_NOT_FOUND",
      id ? `No framework ${id} is loaded.` : "No framework catalogue is loaded.",
    );
  return found;
}

export async function controlsPage(
  ctx: StoreContext,
  request: FastifyRequest,
  frameworks: readonly Framework[],
): Promise<SafeHtml> {
  const q = parseInput(ControlsQuery, request.query, "query");
  const framework = frameworkOf(frameworks, q.framework);
  const controls = viewControls(framework, await ruleCounts(ctx));
  const totals = new Map<ControlStatus, number>();
  for (const c of controls) totals.set(c.status, (totals.get(c.status) ?? 0) + 1);
  return html`<nav aria-label="Frameworks"><ul class="tabs">${frameworks.map(
    (f) =>
      html`<li><a href="/controls${queryString({ framework: f.framework })}"${f === framework ? html` aria-current="page"` : html``}>${f.title}</a></li>`,
  )}</ul></nav>
<p>${framework.source ?? ""}</p>
<p>${[...totals.entries()].map(([s, n]) => html`<span class="status ${s}">${s}</span> ${n} `)}</p>
<table class="controls"><thead><tr><th scope="col">Control</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Automated rules</th></tr></thead>
<tbody>${controls.map(
    (c) =>
      html`<tr><td><a href="/control${queryString({ framework: framework.framework, id: c.id })}">${c.id}</a></td><td>${c.title}</td><td><span class="status ${c.status}">${c.status}</span></td><td>${c.rules.length}</td></tr>`,
  )}</tbody></table>`;
}

export async function controlPage(
  ctx: StoreContext,
  request: FastifyRequest,
  frameworks: readonly Framework[],
): Promise<{ title: string; body: SafeHtml }> {
  const q = parseInput(ControlQuery, request.query, "query");
  const framework = frameworkOf(frameworks, q.framework);
  const control = viewControls(framework, await ruleCounts(ctx)).find((c) => c.id === q.id);
  if (!control) throw new HttpError(404, "STORE_NOT_FOUND", `No control ${q.id} in ${framework.framework}.`);
  const failing =
    control.rules.length === 0
      ? []
      : await ctx.store.db
          .selectFrom("current_state")
          .select(["resource_uid", "rule_id", "status", "since"])
          .where(
            "rule_id",
            "in",
            control.rules.map((r) => r.id),
          )
          .where("status", "in", ["fail", "error"])
          .orderBy("since")
          .limit(200)
          .execute();
  const today = ctx.now().toISOString().slice(0, 10);
  const monthAgo = new Date(ctx.now().getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
  const body = html`<p><a href="/controls${queryString({ framework: framework.framework })}">${framework.title}</a></p>
<p>Status: <span class="status ${control.status}">${control.status}</span> — ${STATUS_TEXT[control.status]}.</p>
${
  control.manual.length
    ? html`<h2>Evidence gathered by hand</h2><ul>${control.manual.map((m) => html`<li>${m}</li>`)}</ul>`
    : html``
}
<h2>Rules</h2>
${
  control.rules.length === 0
    ? html`<p class="empty">No automated rule evidences this control.</p>`
    : html`<table><thead><tr><th scope="col">Rule</th><th scope="col">Status</th><th scope="col">Pass</th><th scope="col">Fail</th><th scope="col">Excepted</th><th scope="col">Error</th><th scope="col">Skip</th></tr></thead><tbody>${control.rules.map(
        (r) =>
          html`<tr><td>${r.id}</td><td><span class="status ${r.status}">${r.status}</span></td><td>${r.counts.pass}</td><td>${r.counts.fail}</td><td>${r.counts.excepted}</td><td>${r.counts.error}</td><td>${r.counts.skip}</td></tr>`,
      )}</tbody></table>`
}
<h2>Resources failing or in error</h2>
${
  failing.length === 0
    ? html`<p class="empty">None.</p>`
    : html`<table><thead><tr><th scope="col">Resource</th><th scope="col">Rule</th><th scope="col">Status</th><th scope="col">Since</th></tr></thead><tbody>${failing.map(
        (f) =>
          html`<tr><td><a href="/resource${queryString({ uid: f.resource_uid })}">${f.resource_uid}</a></td><td>${f.rule_id}</td><td><span class="status ${f.status}">${f.status}</span></td><td>${f.since}</td></tr>`,
      )}</tbody></table>`
}
<h2>Export the evidence</h2>
<form class="filters" method="get" action="/control/export" aria-label="Export evidence">
<input type="hidden" name="framework" value="${framework.framework}"><input type="hidden" name="id" value="${control.id}">
<label>From<input type="date" name="from" value="${monthAgo}" required></label>
<label>To (inclusive)<input type="date" name="to" value="${today}" required></label>
<label>Format<select name="format"><option value="bundle">Evidence bundle (zip: OSCAL, signed reports, proofs, checkpoint; verify offline)</option><option value="oscal">OSCAL assessment results (JSON)</option><option value="jsonl">JSON lines</option><option value="csv">CSV</option></select></label>
<button type="submit">Download</button>
</form>
<p>Every row names the ledger entry of the signed report it comes from. An evidence bundle also holds the signed reports, their inclusion proofs and the store's signed checkpoint, so it can be checked offline with <code>assay evidence verify</code> (see the guide for auditors).</p>`;
  return { title: `${control.id} ${control.title}`, body };
}

/** The findings behind a control over a period, streamed as the API's evidence export is. */
export async function controlExport(
  ctx: StoreContext,
  request: FastifyRequest,
  reply: FastifyReply,
  frameworks: Framework[],
): Promise<FastifyReply> {
  const q = parseInput(ExportQuery, request.query, "query");
  if (q.from > q.to) throw new HttpError(400, "STORE_BAD_REQUEST", "The period ends before it starts.", "to");
  const framework = frameworkOf(frameworks, q.framework);
  if (!framework.controls.some((c) => c.id === q.id)) {
    throw new HttpError(404, "STORE_NOT_FOUND", `No control ${q.id} in ${framework.framework}.`);
  }
  if (q.format === "bundle" || q.format === "oscal") {
    if ((await treeSize(ctx.store.db)) === 0) {
      throw new HttpError(404, "STORE_NOT_FOUND", "The ledger has no entries yet.");
    }
    const period = { from: `${q.from}T00:00:00.000Z`, to: `${q.to}T23:59:59.999Z` };
    const out = streamEvidenceBundle(
      ctx,
      frameworks,
      { framework: q.framework, controls: [q.id], ...period, witnessedSizes: [] },
      request.log,
    );
    const zipName = `assay-evidence_${q.framework}_${q.id}_${q.from}_${q.to}`.replace(
      /[^A-Za-z0-9._-]/g,
      "_",
    );
    if (q.format === "oscal") {
      return reply
        .header("content-type", "application/json; charset=utf-8")
        .header("content-disposition", `attachment; filename="${zipName}.oscal-ar.json"`)
        .send(
          await standaloneAssessmentResults(
            out,
            await failingSinceOfObservations(ctx.store.db, `${q.framework}:${q.id}`, period),
          ),
        );
    }
    return reply
      .header("content-type", "application/zip")
      .header("content-disposition", `attachment; filename="${zipName}.zip"`)
      .send(out);
  }
  const format = q.format;
  const control = `${q.framework}:${q.id}`;
  const to = new Date(Date.parse(`${q.to}T00:00:00.000Z`) + 86_400_000).toISOString();
  const name = `${q.framework}_${q.id}_${q.from}_${q.to}`.replace(/[^A-Za-z0-9._-]/g, "_");
  reply
    .header(
      "content-type",
      q.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    )
    .header("content-disposition", `attachment; filename="${name}.${q.format === "csv" ? "csv" : "jsonl"}"`);
  return reply.send(
    Readable.from(evidenceChunks(ctx.store, { control, from: `${q.from}T00:00:00.000Z`, to }, format), {
      highWaterMark: 2,
    }),
  );
}
