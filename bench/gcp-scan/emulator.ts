// Child process for the GCP scan benchmark: the Google JSON API emulator seeded with one project of 2,000
// buckets (each with an IAM policy), answering after a fixed latency. Bundled by run.mjs with esbuild.
import type { GcpSeed } from "../../test/emulators/gcp/server.js";
import { startGcpEmulator } from "../../test/emulators/gcp/server.js";

export const PROJECT = "bench-project";
const BUCKETS = Number(process.env.BENCH_BUCKETS ?? 2000);

function seed(): GcpSeed {
  const buckets = [];
  const bucketIam: Record<string, unknown> = {};
  for (let i = 0; i < BUCKETS; i++) {
    const name = `bench-bucket-${i}`;
    buckets.push({
      kind: "storage#bucket",
      name,
      location: "EU",
      iamConfiguration: {
        uniformBucketLevelAccess: { enabled: i % 3 !== 0 },
        publicAccessPrevention: i % 2 ? "enforced" : "inherited",
      },
      versioning: { enabled: i % 4 !== 0 },
      ...(i % 5 === 0 ? { retentionPolicy: { retentionPeriod: "86400", isLocked: false } } : {}),
    });
    bucketIam[name] = {
      bindings: [
        { role: "roles/storage.admin", members: ["group:ops@example.com"] },
        ...(i % 50 === 0 ? [{ role: "roles/storage.objectViewer", members: ["allUsers"] }] : []),
      ],
    };
  }
  return {
    projects: [{ projectId: PROJECT, parent: "organizations/1" }],
    buckets: { [PROJECT]: buckets },
    bucketIam,
    kmsLocations: { [PROJECT]: ["global"] },
    sqlInstances: { [PROJECT]: [] },
    firewalls: { [PROJECT]: [] },
  };
}

const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
const emulator = await startGcpEmulator(seed(), { latencyMs, pageSize: 1000 });
process.send?.({ endpoint: emulator.endpoint, buckets: BUCKETS });
process.on("message", (message: { type?: string }) => {
  if (message?.type === "stats")
    process.send?.({ requests: emulator.requests.length, connections: emulator.connections() });
  if (message?.type === "stop") void emulator.close().then(() => process.disconnect());
});
