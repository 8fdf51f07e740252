import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { StoreContext } from "../../context.js";
import { DRIFT_EVENT_TYPES } from "../../options.js";
import { QueryText } from "../../query-text.js";
import { parseInput } from "../../validate.js";
import { html, queryString, type SafeHtml } from "../html.js";
import { distinctValues } from "../queries.js";
import { driftRow, driftTable } from "./drift-table.js";

const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
const PAGE_SIZE = 100;
const Day = z.iso.date();

export const DriftFilterSchema = z.strictObject({
  type: z.enum(DRIFT_EVENT_TYPES).or(z.literal("")).optional(),
  severity: z.enum(SEVERITIES).or(z.literal("")).optional(),
  policy: QueryText.optional(),
  group: QueryText.optional(),
  agent: QueryText.optional(),
  resource: QueryText.optional(),
  from: Day.or(z.literal("")).optional(),
  to: Day.or(z.literal("")).optional(),
  before: z.coerce.number().int().positive().optional(),
  after: z.coerce.number().int().nonnegative().optional(),
});
export type DriftFilter = z.infer<typeof DriftFilterSchema>;

/** Drift events matching the filters, newest first; `after` = only ids above it (the live feed). */
export async function findDrift(ctx: StoreContext, f: DriftFilter, limit: number) {
  let q = ctx.store.db.selectFrom("drift_events as e").selectAll("e").orderBy("e.id", "desc").limit(limit);
  if (f.type) q = q.where("e.type", "=", f.type);
  if (f.severity) q = q.where("e.severity", "=", f.severity);
  if (f.policy) q = q.where("e.policy", "=", f.policy);
  if (f.agent) q = q.where("e.agent_id", "=", f.agent);
  if (f.resource) q = q.where("e.resource_uid", "=", f.resource);
  if (f.group) {
    const group = f.group;
    q = q.where("e.agent_id", "in", (eb) =>
      eb.selectFrom("agents").select("agents.id").where("agents.group_name", "=", group),
    );
  }
  if (f.from) q = q.where("e.at", ">=", `${f.from}T00:00:00.000Z`);
  if (f.to)
    q = q.where("e.at", "<", new Date(Date.parse(`${f.to}T00:00:00.000Z`) + 86_400_000).toISOString());
  if (f.before !== undefined) q = q.where("e.id", "<", f.before);
  if (f.after !== undefined) q = q.where("e.id", ">", f.after);
  return q.execute();
}

async function choices(ctx: StoreContext) {
  const [policies, groups] = await Promise.all([
    distinctValues(ctx, ["current_state", "policy"]),
    distinctValues(ctx, ["agents", "group_name"]),
  ]);
  return { policies, groups };
}

function select(
  name: string,
  label: string,
  values: readonly string[],
  current: string | undefined,
): SafeHtml {
  return html`<label>${label}<select name="${name}"><option value="">any</option>${values.map(
    (v) => html`<option${v === current ? html` selected` : html``}>${v}</option>`,
  )}</select></label>`;
}

export async function driftPage(ctx: StoreContext, request: FastifyRequest): Promise<SafeHtml> {
  const f = parseInput(DriftFilterSchema, request.query, "query");
  const [events, { policies, groups }] = await Promise.all([findDrift(ctx, f, PAGE_SIZE), choices(ctx)]);
  const filters = {
    type: f.type,
    severity: f.severity,
    policy: f.policy,
    group: f.group,
    agent: f.agent,
    from: f.from,
    to: f.to,
  };
  const live =
    f.before === undefined
      ? `/drift/live${queryString({ ...filters, after: Number(events[0]?.id ?? 0) })}`
      : undefined;
  const older =
    events.length === PAGE_SIZE
      ? `/drift${queryString({ ...filters, before: Number(events.at(-1)!.id) })}`
      : undefined;
  return html`<form class="filters" method="get" action="/drift" role="search" aria-label="Filter drift events">
${select("type", "Event", DRIFT_EVENT_TYPES, f.type)}
${select("severity", "Severity", SEVERITIES, f.severity)}
${select("policy", "Policy", policies, f.policy)}
${select("group", "Group", groups, f.group)}
<label>Agent<input name="agent" value="${f.agent ?? ""}" size="28"></label>
<label>Resource<input name="resource" value="${f.resource ?? ""}" size="28"></label>
<label>From<input type="date" name="from" value="${f.from ?? ""}"></label>
<label>To<input type="date" name="to" value="${f.to ?? ""}"></label>
<button type="submit">Filter</button> <a href="/drift">Clear</a>
</form>
${live ? html`<p class="live" data-live-status aria-live="polite">Reload for new events (live updates need JavaScript).</p>` : html``}
<div${live ? html` data-live-feed="${live}"` : html``} id="drift-feed">${driftTable(events)}</div>
<nav class="pager" aria-label="Pages">${older ? html`<a href="${older}">Older events</a>` : html``}</nav>`;
}

/**
 * Server-sent events: every few seconds, the drift events recorded since the last one sent that match the
 * page's filters, each as a row rendered (and escaped) here. Polling the table rather than an in-process
 * bus means an event recorded by any store instance sharing the database reaches every open page.
 */
export async function driftLive(
  ctx: StoreContext,
  request: FastifyRequest,
  reply: FastifyReply,
  pollMs: number,
): Promise<void> {
  const f = parseInput(DriftFilterSchema, request.query, "query");
  let after = f.after ?? 0;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 5000\n\n");
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    closed = true;
    if (timer) clearTimeout(timer);
  };
  request.raw.on("close", stop);
  const tick = async () => {
    if (closed) return;
    try {
      const events = await findDrift(ctx, { ...f, after, before: undefined }, 200);
      for (const e of events.reverse()) {
        after = Math.max(after, Number(e.id));
        res.write(
          `event: drift\nid: ${Number(e.id)}\ndata: ${JSON.stringify({ row: driftRow(e).value })}\n\n`,
        );
      }
      if (events.length === 0) res.write(": keep-alive\n\n");
    } catch (error) {
      request.log.warn({ err: error }, "live drift feed query failed");
    }
    if (!closed) timer = setTimeout(tick, pollMs);
  };
  timer = setTimeout(tick, 0);
}
