import type { Counter, Histogram, Registry } from "prom-client";

/** Per-app registry, so two apps in one process (tests, benches) never share counters. */
export interface StoreMetrics {
  registry: Registry;
  reports: Counter<"outcome">;
  ingestSeconds: Histogram;
  batchSize: Histogram;
  alerts: Counter<"channel" | "outcome">;
  httpRequests: Counter<"route" | "method" | "status">;
  enrolments: Counter<"outcome">;
}

export async function createMetrics(): Promise<StoreMetrics> {
  const prom = await import("prom-client");
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry, prefix: "assay_store_" });
  return {
    registry,
    reports: new prom.Counter({
      name: "assay_store_reports_total",
      help: "Reports received, by outcome (accepted, duplicate, rejected)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    ingestSeconds: new prom.Histogram({
      name: "assay_store_ingest_seconds",
      help: "Time from a report's arrival to its ledger commit",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    batchSize: new prom.Histogram({
      name: "assay_store_ledger_batch_size",
      help: "Reports committed per ledger transaction",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    alerts: new prom.Counter({
      name: "assay_store_alert_deliveries_total",
      help: "Alert delivery attempts, by channel and outcome",
      labelNames: ["channel", "outcome"],
      registers: [registry],
    }),
    httpRequests: new prom.Counter({
      name: "assay_store_http_requests_total",
      help: "HTTP requests by route, method and status",
      labelNames: ["route", "method", "status"],
      registers: [registry],
    }),
    enrolments: new prom.Counter({
      name: "assay_store_enrolments_total",
      help: "Enrolment attempts, by outcome (enrolled, bad_secret, rate_limited, bad_request)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
  };
}
