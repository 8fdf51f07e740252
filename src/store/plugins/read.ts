import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { z } from "zod";
import {
  type Framework,
  loadFrameworks,
  loadPolicyCatalogue,
  seedPolicyFramework,
} from "../../engine/catalogue.js";
import { BUILTIN_FRAMEWORKS_DIR } from "../../engine/paths.js";
import { controlStatusOf, type RuleStatus, ruleStatusFromCounts } from "../../formats/coverage-model.js";
import { decodeControls } from "../drift.js";
import { type EvidenceQuery, evidenceChunks } from "../evidence.js";
import { activeExceptions, exceptionFor } from "../exceptions.js";
import { HttpError } from "../http-error.js";
import { QueryText } from "../query-text.js";
import { parseInput } from "../validate.js";

const READERS = ["admin", "lead", "auditor"] as const;

const Timestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const Limit = z.coerce.number().int().min(1).max(5000).default(500);

const PostureQuery = z.strictObject({
  by: QueryText.default("control,policy,rule,asset")
    .transform((s) => s.split(","))
    .pipe(z.array(z.enum(["control", "policy", "rule", "asset"]))),
});

const DriftQuery = z.strictObject({
  type: QueryText.optional(),
  agent: QueryText.optional(),
  rule: QueryText.optional(),
  resource: QueryText.optional(),
  severity: z.enum(["info", "low", "medium", "high", "critical"]).optional(),
  policy: QueryText.optional(),
  since: Timestamp.optional(),
  until: Timestamp.optional(),
  after: z.coerce.number().int().nonnegative().optional(),
  limit: Limit,
});

const AssetsQuery = z.strictObject({
  type: QueryText.optional(),
  agent: QueryText.optional(),
  after: QueryText.optional(),
  limit: Limit,
});

const FailingQuery = z.strictObject({
  agent: QueryText.optional(),
  rule: QueryText.optional(),
  resource: QueryText.optional(),
  severity: z.enum(["info", "low", "medium", "high", "critical"]).optional(),
  policy: QueryText.optional(),
  control: QueryText.pipe(z.string().min(1)).optional(),
  /** Only pairs failing for at least this many days (a patch window, an SLA). */
  minDays: z.coerce.number().int().min(0).max(36_500).optional(),
  /** The `next` of the previous page: longest-failing first, then resource and rule. */
  after: QueryText.optional(),
  limit: Limit,
});

const EvidenceQuerySchema = z.strictObject({
  control: QueryText.pipe(z.string().min(1)).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  format: z.enum(["jsonl", "csv"]).optional(),
});

interface Counts {
  pass: number;
  fail: number;
  error: number;
  skip: number;
}
const emptyCounts = (): Counts => ({ pass: 0, fail: 0, error: 0, skip: 0 });
/** Share of evaluated findings that pass; skips are not evaluations, errors count against. */
const passRate = (c: Counts) => {
  const evaluated = c.pass + c.fail + c.error;
  return evaluated === 0 ? null : Math.round((c.pass / evaluated) * 10_000) / 10_000;
};

/**
 * A rule's standing within a control, from its current state across all resources: failures an approved
 * store exception covers count as excepted (an accepted risk, not a pass); a rule no report has given a finding
 * for is `not-evaluated`. Control status then comes from the same model as the scan's outputs.
 */
function ruleCoverage(rule: string, counts: Counts | undefined, excepted = 0) {
  const c = { ...(counts ?? emptyCounts()), excepted };
  c.fail -= excepted;
  const status: RuleStatus = ruleStatusFromCounts(c, counts !== undefined);
  return { rule, status, ...c };
}

async function loadSeedStatements(): Promise<Framework> {
  const [{ readFile }, { parse }, { findRuleFiles }, { BUILTIN_POLICIES_FILE, BUILTIN_RULES_DIR }] =
    await Promise.all([
      import("node:fs/promises"),
      import("yaml"),
      import("../../engine/load.js"),
      import("../../engine/paths.js"),
    ]);
  const rules: { id: string; policy: string }[] = [];
  for (const file of await findRuleFiles(BUILTIN_RULES_DIR)) {
    const rule = parse(await readFile(file, "utf8")) as { id?: unknown; policy?: unknown } | null;
    if (typeof rule?.id === "string" && typeof rule.policy === "string")
      rules.push({ id: rule.id, policy: rule.policy });
  }
  return seedPolicyFramework(await loadPolicyCatalogue(BUILTIN_POLICIES_FILE), rules);
}

export default async function readRoutes(app: FastifyInstance): Promise<void> {
  const { store, options } = app.assay;
  let frameworks: Framework[] = [];
  try {
    frameworks = await loadFrameworks(options.frameworksDir ?? BUILTIN_FRAMEWORKS_DIR);
  } catch (error) {
    app.log.warn(
      { err: error },
      "framework catalogues could not be loaded; posture by control uses finding controls only",
    );
  }

  // The seed control statements (rules/policies.yaml) with the shipped rules under each and their manual
  // evidence, read on the first posture by policy: only the rule files' `id` and `policy` are parsed.
  let seedLoad: Promise<Framework | undefined> | undefined;
  const seedStatements = () => {
    seedLoad ??= loadSeedStatements().catch((error: unknown) => {
      app.log.warn(
        { err: error },
        "seed policy catalogue could not be loaded; posture by policy lists rules only",
      );
      return undefined;
    });
    return seedLoad;
  };

  app.get(
    "/v1/posture",
    {
      config: { access: READERS },
      schema: { summary: "Pass rates now, by framework control, policy, rule and asset", tags: ["read"] },
    },
    async (request) => {
      const query = parseInput(PostureQuery, request.query, "query");
      const groups = async (column: "rule_id" | "policy" | "resource_uid" | "controls") => {
        const rows = await store.db
          .selectFrom("current_state")
          .select([column, "status", (eb) => eb.fn.countAll().as("n")])
          .groupBy([column, "status"])
          .execute();
        return rows.map((r) => ({
          key: String(r[column as keyof typeof r]),
          status: r.status,
          n: Number(r.n),
        }));
      };
      const tally = (rows: { key: string; status: string; n: number }[], split?: (k: string) => string[]) => {
        const map = new Map<string, Counts>();
        for (const row of rows) {
          for (const key of split ? split(row.key) : [row.key]) {
            const counts = map.get(key) ?? emptyCounts();
            if (row.status in counts) counts[row.status as keyof Counts] += row.n;
            map.set(key, counts);
          }
        }
        return map;
      };
      const list = (map: Map<string, Counts>, name: string) =>
        [...map.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, c]) => ({ key, name, ...c, passRate: passRate(c) }))
          .map(
            ({ key, name: label, ...rest }) =>
              ({ [label]: key, ...rest }) as Record<string, unknown> & Counts,
          );

      const rulesByControl = async () => {
        const rows = await store.db
          .selectFrom("current_state")
          .select(["controls", "rule_id"])
          .distinct()
          .execute();
        const map = new Map<string, Set<string>>();
        for (const row of rows)
          for (const control of decodeControls(row.controls)) {
            const set = map.get(control) ?? new Set<string>();
            set.add(row.rule_id);
            map.set(control, set);
          }
        return map;
      };
      /** Per rule: current failures an approved, unexpired store exception covers. */
      const exceptedByRule = async () => {
        const map = new Map<string, number>();
        const active = await activeExceptions(store.db, app.assay.now());
        if (active.length === 0) return map;
        const failing = await store.db
          .selectFrom("current_state")
          .select(["resource_uid", "rule_id"])
          .where("status", "=", "fail")
          .where(
            "rule_id",
            "in",
            active.map((e) => e.rule_id),
          )
          .execute();
        for (const row of failing)
          if (exceptionFor(active, row.rule_id, row.resource_uid))
            map.set(row.rule_id, (map.get(row.rule_id) ?? 0) + 1);
        return map;
      };
      const rulesByPolicy = async () => {
        const rows = await store.db
          .selectFrom("current_state")
          .select(["policy", "rule_id"])
          .distinct()
          .execute();
        const map = new Map<string, Set<string>>();
        for (const row of rows) map.set(row.policy, (map.get(row.policy) ?? new Set()).add(row.rule_id));
        return map;
      };
      const totals =
        tally((await groups("policy")).map((r) => ({ ...r, key: "all" }))).get("all") ?? emptyCounts();
      const body: Record<string, unknown> = {
        generatedAt: app.assay.now().toISOString(),
        totals: { ...totals, passRate: passRate(totals) },
      };
      if (query.by.includes("control")) {
        const byControl = tally(await groups("controls"), decodeControls);
        const byRule = tally(await groups("rule_id"));
        const catalogue = new Map<string, { title: string; rules: string[] }>();
        for (const f of frameworks) {
          for (const c of f.controls) {
            const id = `${f.framework}:${c.id}`;
            catalogue.set(id, { title: c.title, rules: c.rules });
            if (!byControl.has(id)) byControl.set(id, emptyCounts());
          }
        }
        const rulesSeen = await rulesByControl();
        const excepted = await exceptedByRule();
        body.byControl = list(byControl, "control").map((row) => {
          const entry = catalogue.get(String(row.control));
          // The catalogue says which rules evidence a control; without it, the rules whose findings name it.
          const rules = (entry?.rules ?? [...(rulesSeen.get(String(row.control)) ?? [])].sort()).map((id) =>
            ruleCoverage(id, byRule.get(id), excepted.get(id)),
          );
          return {
            ...row,
            title: entry?.title ?? null,
            // A control no automated rule evidences needs manual evidence.
            automated: rules.length > 0,
            status: controlStatusOf(rules.map((r) => r.status)),
            rules,
          };
        });
      }
      if (query.by.includes("policy")) {
        const byPolicy = tally(await groups("policy"));
        const byRule = tally(await groups("rule_id"));
        const statements = await seedStatements();
        for (const c of statements?.controls ?? [])
          if (!byPolicy.has(c.id)) byPolicy.set(c.id, emptyCounts());
        const rulesSeen = await rulesByPolicy();
        const excepted = await exceptedByRule();
        body.byPolicy = list(byPolicy, "policy").map((row) => {
          const statement = statements?.controls.find((c) => c.id === row.policy);
          const ids = new Set([...(statement?.rules ?? []), ...(rulesSeen.get(String(row.policy)) ?? [])]);
          const rules = [...ids].sort().map((id) => ruleCoverage(id, byRule.get(id), excepted.get(id)));
          return {
            ...row,
            name: statement?.title ?? null,
            status: controlStatusOf(
              rules.map((r) => r.status),
              (statement?.manual?.length ?? 0) > 0,
            ),
            rules,
            ...(statement?.manual ? { manual: statement.manual } : {}),
          };
        });
      }
      if (query.by.includes("rule")) body.byRule = list(tally(await groups("rule_id")), "rule");
      if (query.by.includes("asset")) body.byAsset = list(tally(await groups("resource_uid")), "asset");
      return body;
    },
  );

  app.get(
    "/v1/drift",
    {
      config: { access: READERS },
      schema: { summary: "Drift events, newest first, filterable", tags: ["read"] },
    },
    async (request) => {
      const q = parseInput(DriftQuery, request.query, "query");
      let query = store.db.selectFrom("drift_events").selectAll().orderBy("id", "desc").limit(q.limit);
      if (q.type) query = query.where("type", "in", q.type.split(","));
      if (q.agent) query = query.where("agent_id", "=", q.agent);
      if (q.rule) query = query.where("rule_id", "=", q.rule);
      if (q.resource) query = query.where("resource_uid", "=", q.resource);
      if (q.severity) query = query.where("severity", "=", q.severity);
      if (q.policy) query = query.where("policy", "=", q.policy);
      if (q.since) query = query.where("at", ">=", new Date(q.since).toISOString());
      if (q.until) query = query.where("at", "<", new Date(q.until).toISOString());
      if (q.after !== undefined) query = query.where("id", "<", q.after);
      const rows = await query.execute();
      const events = rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        type: r.type,
        agentId: r.agent_id,
        resourceUid: r.resource_uid,
        ruleId: r.rule_id,
        from: r.from_status,
        to: r.to_status,
        severity: r.severity,
        policy: r.policy,
        controls: decodeControls(r.controls),
        message: r.message,
        reportId: r.report_id,
        ledgerSeq: r.ledger_seq === null ? null : Number(r.ledger_seq),
      }));
      return { events, next: events.length === q.limit ? events.at(-1)?.id : undefined };
    },
  );

  app.get(
    "/v1/assets",
    {
      config: { access: READERS },
      schema: { summary: "Assets seen, with their current pass/fail counts", tags: ["read"] },
    },
    async (request) => {
      const q = parseInput(AssetsQuery, request.query, "query");
      let query = store.db.selectFrom("assets").selectAll().orderBy("uid").limit(q.limit);
      if (q.type) query = query.where("type", "=", q.type);
      if (q.agent) query = query.where("agent_id", "=", q.agent);
      if (q.after) query = query.where("uid", ">", q.after);
      const rows = await query.execute();
      const counts = new Map<string, Counts>();
      if (rows.length > 0) {
        const state = await store.db
          .selectFrom("current_state")
          .select(["resource_uid", "status", (eb) => eb.fn.countAll().as("n")])
          .where(
            "resource_uid",
            "in",
            rows.map((r) => r.uid),
          )
          .groupBy(["resource_uid", "status"])
          .execute();
        for (const s of state) {
          const c = counts.get(s.resource_uid) ?? emptyCounts();
          if (s.status in c) c[s.status as keyof Counts] += Number(s.n);
          counts.set(s.resource_uid, c);
        }
      }
      const assets = rows.map((r) => {
        const c = counts.get(r.uid) ?? emptyCounts();
        return {
          uid: r.uid,
          type: r.type,
          provider: r.provider,
          name: r.name,
          account: r.account,
          region: r.region,
          agentId: r.agent_id,
          firstSeenAt: r.first_seen_at,
          lastSeenAt: r.last_seen_at,
          reportId: r.report_id,
          findings: c,
          passRate: passRate(c),
        };
      });
      return { assets, next: assets.length === q.limit ? assets.at(-1)?.uid : undefined };
    },
  );

  app.get(
    "/v1/evidence",
    {
      config: { access: READERS },
      schema: {
        summary:
          "Findings for a control and period, streamed as JSON lines or CSV; each row names its ledger entry",
        tags: ["read"],
      },
    },
    async (request, reply) => {
      const q = parseInput(EvidenceQuerySchema, request.query, "query");
      const accept = request.headers.accept ?? "";
      const format = q.format ?? (accept.includes("text/csv") ? "csv" : "jsonl");
      const query: EvidenceQuery = {
        control: q.control,
        from: q.from ? new Date(q.from).toISOString() : undefined,
        to: q.to ? new Date(q.to).toISOString() : undefined,
      };
      reply
        .header(
          "content-type",
          format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        )
        .header("cache-control", "no-store");
      // Two chunks (pages) ahead at most: memory stays flat however long the period is.
      return reply.send(Readable.from(evidenceChunks(store, query, format), { highWaterMark: 2 }));
    },
  );

  app.get(
    "/v1/failing",
    {
      config: { access: READERS },
      schema: {
        summary:
          "Pairs (resource, rule) failing now, longest-failing first, each with the time of the report that started the failure",
        tags: ["read"],
      },
    },
    async (request) => {
      const q = parseInput(FailingQuery, request.query, "query");
      const after = q.after === undefined ? undefined : parseFailingCursor(q.after);
      // current_state.since is when the pair's status last changed (drift.ts): for a failing pair, since when
      // it has failed without a break. `assay store verify` replays it from the ledger like every state column.
      let query = store.db
        .selectFrom("current_state")
        .selectAll()
        .where("status", "=", "fail")
        .orderBy("since")
        .orderBy("resource_uid")
        .orderBy("rule_id")
        .limit(q.limit);
      if (q.agent) query = query.where("agent_id", "=", q.agent);
      if (q.rule) query = query.where("rule_id", "=", q.rule);
      if (q.resource) query = query.where("resource_uid", "=", q.resource);
      if (q.severity) query = query.where("severity", "=", q.severity);
      if (q.policy) query = query.where("policy", "=", q.policy);
      if (q.control)
        query = query.where(sql<boolean>`controls like ${`%|${escapeLike(q.control)}|%`} escape '!'`);
      if (q.minDays !== undefined)
        query = query.where(
          "since",
          "<=",
          new Date(app.assay.now().getTime() - q.minDays * 86_400_000).toISOString(),
        );
      if (after)
        query = query.where((eb) =>
          eb.or([
            eb("since", ">", after.since),
            eb.and([eb("since", "=", after.since), eb("resource_uid", ">", after.resourceUid)]),
            eb.and([
              eb("since", "=", after.since),
              eb("resource_uid", "=", after.resourceUid),
              eb("rule_id", ">", after.ruleId),
            ]),
          ]),
        );
      const rows = await query.execute();
      const now = app.assay.now().getTime();
      const failing = rows.map((r) => ({
        resourceUid: r.resource_uid,
        ruleId: r.rule_id,
        resourceType: r.resource_type,
        agentId: r.agent_id,
        severity: r.severity,
        policy: r.policy,
        controls: decodeControls(r.controls),
        failingSince: r.since,
        failingDays: Math.max(0, Math.floor((now - Date.parse(r.since)) / 86_400_000)),
        reportId: r.report_id,
        ledgerSeq: Number(r.ledger_seq),
      }));
      const last = rows.at(-1);
      return {
        failing,
        next:
          last && rows.length === q.limit
            ? Buffer.from(JSON.stringify([last.since, last.resource_uid, last.rule_id])).toString("base64url")
            : undefined,
      };
    },
  );
}

/** The `after` cursor of GET /v1/failing; a malformed one is a 400 naming the field. */
function parseFailingCursor(text: string): { since: string; resourceUid: string; ruleId: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  const parsed = z.tuple([z.string(), z.string(), z.string()]).safeParse(value);
  if (!parsed.success)
    throw new HttpError(
      400,
      "STORE_BAD_REQUEST",
      "Invalid query: after: not a cursor this API returned",
      "after",
    );
  const [since, resourceUid, ruleId] = parsed.data;
  return { since, resourceUid, ruleId };
}

/** LIKE wildcards in a control id are matched literally (`!` is the escape character in both dialects). */
function escapeLike(value: string): string {
  return value.replace(/[%_!]/g, (c) => `!${c}`);
}
