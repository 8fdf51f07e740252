import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { bucketsInFlight } from "../../../src/collectors/aws/resources/s3-bucket.js";
import { forEachBoundedPerLane } from "../../../src/collectors/kit/bounded.js";

/** Items `<lane>-<n>`; records the most items of each lane in flight and the order they started in. */
function recorder(delayMs: (item: string) => number = () => 2) {
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  const started: string[] = [];
  const fn = async (item: string) => {
    const lane = item.split("-")[0] ?? "";
    started.push(item);
    active.set(lane, (active.get(lane) ?? 0) + 1);
    peak.set(lane, Math.max(peak.get(lane) ?? 0, active.get(lane) ?? 0));
    await sleep(delayMs(item));
    active.set(lane, (active.get(lane) ?? 0) - 1);
  };
  return { fn, peak, started };
}

const items = (lane: string, n: number) => Array.from({ length: n }, (_, i) => `${lane}-${i}`);

describe("forEachBoundedPerLane", () => {
  it("runs every item once with at most the lane's bound in flight, lanes side by side", async () => {
    const r = recorder();
    const source = [...items("a", 30), ...items("b", 12)];
    await forEachBoundedPerLane(
      source,
      (i) => i.split("-")[0] ?? "",
      (lane) => (lane === "a" ? 3 : 5),
      100,
      r.fn,
    );
    expect([...r.started].sort()).toEqual([...source].sort());
    expect(r.peak.get("a")).toBe(3);
    expect(r.peak.get("b")).toBe(5);
  });

  it("does not hold back one lane behind another lane's queue", async () => {
    const r = recorder((i) => (i.startsWith("slow") ? 30 : 1));
    // The slow lane is listed first; the fast lane's items must start before the slow lane drains.
    await forEachBoundedPerLane(
      [...items("slow", 6), ...items("fast", 4)],
      (i) => i.split("-")[0] ?? "",
      () => 2,
      100,
      r.fn,
    );
    expect(r.started.indexOf("fast-3")).toBeLessThan(r.started.indexOf("slow-5"));
  });

  it("pulls from the source only while fewer than waitingLimit items wait to start", async () => {
    let pulled = 0;
    let maxAhead = 0;
    let finished = 0;
    async function* source() {
      for (let i = 0; i < 40; i++) {
        pulled += 1;
        // pulled - finished = in flight + waiting; 2 may be in flight, 5 may wait, the one just pulled is extra.
        maxAhead = Math.max(maxAhead, pulled - finished);
        yield `x-${i}`;
      }
    }
    await forEachBoundedPerLane(
      source(),
      () => "x",
      () => 2,
      5,
      async () => {
        await sleep(1);
        finished += 1;
      },
    );
    expect(finished).toBe(40);
    expect(maxAhead).toBeLessThanOrEqual(2 + 5 + 1);
  });

  it("stops starting items after a failure and rejects with it once the running ones end", async () => {
    const started: string[] = [];
    let running = 0;
    const run = forEachBoundedPerLane(
      items("a", 20),
      () => "a",
      () => 2,
      100,
      async (item) => {
        started.push(item);
        running += 1;
        await sleep(2);
        running -= 1;
        if (item === "a-3") throw new Error("boom");
      },
    );
    await expect(run).rejects.toThrow("boom");
    expect(running).toBe(0);
    expect(started.length).toBeLessThan(20);
  });

  it("finishes the items already pulled when the source fails, then rejects with the source's error", async () => {
    const done: string[] = [];
    async function* source() {
      for (let i = 0; i < 6; i++) yield `a-${i}`;
      throw new Error("page 2 could not be listed");
    }
    const run = forEachBoundedPerLane(
      source(),
      () => "a",
      () => 2,
      100,
      async (item) => {
        await sleep(3);
        done.push(item);
      },
    );
    await expect(run).rejects.toThrow("page 2 could not be listed");
    expect(done.sort()).toEqual(items("a", 6));
  });
});

describe("buckets in flight", () => {
  it("keeps a region's limiter full with a few buckets, and the unknown-region lane wider", () => {
    // 16 calls in flight need 2 buckets of 10 calls; a finished bucket is replaced while the others run.
    expect(bucketsInFlight(16, "eu-west-1")).toBe(5);
    expect(bucketsInFlight(16, "eu-west-1") * 10).toBeGreaterThanOrEqual(2 * 16);
    expect(bucketsInFlight(1, "eu-west-1")).toBe(2);
    expect(bucketsInFlight(16, "")).toBe(32);
  });
});
