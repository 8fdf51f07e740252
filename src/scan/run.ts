import { hostname } from "node:os";
import pLimit from "p-limit";
import { collectorProduces, loadCollector } from "../collectors/registry.js";
import type { Collector, ProgressEvent } from "../collectors/types.js";
import { AssayError } from "../core/errors.js";
import { factsSchemaFor } from "../core/facts/index.js";
import { newReportId } from "../core/ids.js";
import { type AppliedProfile, DEFAULT_PROFILE } from "../core/profile.js";
import type { CollectorError, ScanReport } from "../core/report.js";
import { type Resource, ResourceSchema } from "../core/resource.js";
import { ASSAY_VERSION } from "../core/version.js";
import { findingsForCollectorErrors } from "../engine/evaluate.js";
import { applyExceptions, type RiskException } from "../engine/exceptions.js";
import type { RuleSet } from "../engine/load.js";
import { summarize } from "../engine/summary.js";
import { evaluateAll } from "./evaluate-all.js";
import { planScan } from "./plan.js";

export interface ScanOptions {
  collectors: string[];
  ruleSet: RuleSet;
  ruleDirs: string[];
  exceptions?: RiskException[];
  /** Each collector's settings section, by collector name. */
  settings?: Record<string, unknown>;
  now?: Date;
  /** The organisation profile rules read as `profile.*` (the shipped defaults when absent). */
  profile?: AppliedProfile;
  concurrency?: number;
  agent?: ScanReport["agent"];
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Where collectors come from; the registry by default (tests pass their own). */
  collectorSource?: {
    load: (name: string) => Promise<Collector>;
    produces: Record<string, readonly string[]>;
  };
}

export interface ScanResult {
  report: ScanReport;
  /** Exceptions past their expiry date (they no longer apply; worth telling the user). */
  expiredExceptions: RiskException[];
  idleCollectors: string[];
  /** Resources each collector that ran emitted (0 for one that collected nothing). */
  resourcesByCollector: Record<string, number>;
}

/** Plan → collect (bounded concurrency) → evaluate → ScanReport. Writes nothing; the caller decides where it goes. */
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const startedAt = new Date();
  const now = options.now ?? startedAt;
  const profile = options.profile ?? DEFAULT_PROFILE;
  const source = options.collectorSource ?? { load: loadCollector, produces: collectorProduces };
  const plan = planScan(options.collectors, options.ruleSet.rules, source.produces);
  if (plan.rules.length === 0) {
    throw new AssayError(
      "SCAN_NO_RULES",
      `no rule applies to what the collectors ${options.collectors.join(", ")} produce`,
    );
  }
  const resources = new Map<string, Resource>();
  const collectorErrors: CollectorError[] = [];
  const signal = options.signal ?? new AbortController().signal;
  const limit = pLimit(options.concurrency ?? 4);
  // Every collector's settings are checked before any of them calls anything: a typo stops the scan with one
  // message naming the setting, instead of a scan of nothing full of `error` findings.
  const collectors = new Map<string, Collector>();
  for (const name of plan.collectors) {
    const collector = await source.load(name);
    collector.checkSettings?.(options.settings?.[name]);
    collectors.set(name, collector);
  }
  const resourcesByCollector: Record<string, number> = {};

  await Promise.all(
    plan.collectors.map((name) =>
      limit(async () => {
        const collector = collectors.get(name) as Collector;
        options.onProgress?.({ collector: name, scope: name, phase: "start" });
        let count = 0;
        try {
          await collector.collect({
            settings: options.settings?.[name],
            now,
            signal,
            emit: (input) => {
              const resource = acceptResource(name, input, collectorErrors);
              if (resource) {
                resources.set(resource.uid, resource);
                count += 1;
              }
            },
            reportError: (error) =>
              collectorErrors.push({ ...error, resourceTypes: error.resourceTypes ?? [] }),
            progress: (event) => options.onProgress?.(event),
          });
          options.onProgress?.({ collector: name, scope: name, phase: "done", resources: count });
        } catch (error) {
          // A collector that throws loses only its own resource types, named as errors for every rule.
          collectorErrors.push({
            collector: name,
            scope: name,
            code: error instanceof AssayError ? error.code : "COLLECTOR_FAILED",
            message: error instanceof Error ? error.message : String(error),
            resourceTypes: [...collector.produces],
          });
          options.onProgress?.({ collector: name, scope: name, phase: "error" });
        }
        resourcesByCollector[name] = count;
      }),
    ),
  );

  const evaluated = [
    ...evaluateAll(plan.rules, resources.values(), now, profile.values),
    ...findingsForCollectorErrors(plan.rules, collectorErrors),
  ];
  const { findings, expired } = applyExceptions(evaluated, resources, options.exceptions ?? [], now);
  const finishedAt = new Date();
  const resourceList = [...resources.values()];
  const report: ScanReport = {
    schemaVersion: 1,
    id: newReportId(startedAt.getTime()),
    agent: options.agent ?? { id: "local", hostname: hostname(), version: ASSAY_VERSION },
    scope: {
      collectors: plan.collectors,
      ruleDirs: options.ruleDirs,
      accounts: unique(resourceList.map((r) => r.account)),
      regions: unique(resourceList.map((r) => r.region)),
    },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    resources: resourceList,
    rules: plan.rules.map((r) => r.summary),
    findings,
    collectorErrors,
    summary: summarize(findings, resourceList.length, plan.rules.length, collectorErrors.length),
    profile,
  };
  return { report, expiredExceptions: expired, idleCollectors: plan.idle, resourcesByCollector };
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort();
}

/**
 * Validate what a collector emits: the Resource envelope and the facts schema of its type. Facts that break
 * the schema are not trusted: they move to `unreadable` with the reason, so rules reading them give `error`.
 */
function acceptResource(collector: string, input: unknown, errors: CollectorError[]): Resource | undefined {
  const parsed = ResourceSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    errors.push({
      collector,
      scope: String((input as { uid?: unknown })?.uid ?? collector),
      code: "RESOURCE_INVALID",
      message: `collector emitted an invalid resource: ${issue?.path.join(".")}: ${issue?.message}`,
      resourceTypes: [],
    });
    return undefined;
  }
  const resource = parsed.data;
  const facts = factsSchemaFor(resource.type);
  if (!facts) {
    errors.push({
      collector,
      scope: resource.uid,
      code: "RESOURCE_UNKNOWN_TYPE",
      message: `no facts schema for type ${resource.type}`,
      resourceTypes: [],
    });
    return undefined;
  }
  const checked = facts.safeParse(resource.attributes);
  if (checked.success) return resource;
  const attributes = { ...resource.attributes };
  const unreadable = { ...resource.unreadable };
  for (const issue of checked.error.issues) {
    const top = String(issue.path[0] ?? "");
    if (!top) continue;
    delete attributes[top];
    unreadable[top] = `collector produced an invalid value at ${issue.path.join(".")}: ${issue.message}`;
  }
  errors.push({
    collector,
    scope: resource.uid,
    code: "FACTS_INVALID",
    message: Object.values(unreadable).join("; "),
    resourceTypes: [],
  });
  return { ...resource, attributes, unreadable };
}
