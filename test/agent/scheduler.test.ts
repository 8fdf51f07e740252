import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/agent/backoff.js";
import { catchUpDue, JobScheduler } from "../../src/agent/scheduler.js";
import type { JobRecord } from "../../src/agent/state.js";
import { fileLogger } from "./helpers.js";

describe("catch-up decision", () => {
  const now = new Date("2026-05-01T12:00:00Z");
  it("owes a run when the due slot passed, and on first start only when asked", () => {
    expect(catchUpDue({ nextDueAt: "2026-05-01T08:00:00.000Z" }, now, false)).toBe(true);
    expect(catchUpDue({ nextDueAt: "2026-05-01T16:00:00.000Z" }, now, true)).toBe(false);
    expect(catchUpDue(undefined, now, true)).toBe(true);
    expect(catchUpDue(undefined, now, false)).toBe(false);
    expect(catchUpDue({ lastCompletedAt: "2026-05-01T08:00:00.000Z" }, now, true)).toBe(false);
    // Within the grace window a slot is not yet considered slept through.
    expect(catchUpDue({ nextDueAt: "2026-05-01T11:59:30.000Z" }, now, false, 60_000)).toBe(false);
  });
});

describe("backoff", () => {
  it("grows exponentially to the cap and never goes below the minimum", () => {
    expect(backoffDelay(0, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(20, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(5, 100, 10_000, () => 0)).toBe(100);
  });
});

describe("job scheduler", () => {
  it("catches up a slot missed while stopped, never overlaps a run, and records the next slot", async () => {
    const { log, lines } = await fileLogger();
    const records: Record<string, JobRecord> = {
      posture: { nextDueAt: new Date(Date.now() - 3_600_000).toISOString() },
    };
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const saved: Record<string, JobRecord>[] = [];
    const scheduler = new JobScheduler(
      [
        {
          name: "posture",
          schedule: "* * * * * *",
          jitterMs: 0,
          runAtStart: false,
          run: async () => {
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            runs += 1;
            await new Promise((r) => setTimeout(r, 2500));
            running -= 1;
          },
        },
      ],
      { log, records, saveRecords: async (r) => void saved.push(structuredClone(r)) },
    );
    await scheduler.start();
    await new Promise((r) => setTimeout(r, 4000));
    await scheduler.stop();
    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    const log1 = await lines();
    expect(
      log1.some((l) => l.msg === "catch-up run scheduled" && String(l.reason).includes("was missed")),
    ).toBe(true);
    expect(log1.some((l) => l.msg === "previous run still in progress; this slot is skipped")).toBe(true);
    const last = saved.at(-1)?.posture;
    expect(last?.lastCompletedAt).toBeDefined();
    expect(Date.parse(last!.nextDueAt!)).toBeGreaterThan(Date.parse(last!.lastCompletedAt!) - 1000);
  });

  it("does not run at start when its next slot is still in the future", async () => {
    const { log } = await fileLogger();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    let runs = 0;
    const scheduler = new JobScheduler(
      [
        {
          name: "weekly",
          schedule: "0 6 * * 1",
          jitterMs: 0,
          runAtStart: true,
          run: async () => {
            runs += 1;
          },
        },
      ],
      {
        log,
        records: { weekly: { nextDueAt: future, lastCompletedAt: new Date().toISOString() } },
        saveRecords: async () => {},
      },
    );
    await scheduler.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(Date.parse(scheduler.nextRuns().weekly!)).toBeGreaterThan(Date.now());
    await scheduler.stop();
    expect(runs).toBe(0);
  });

  it("catches up after a wake: a due slot more than a minute in the past triggers one run", async () => {
    const { log, lines } = await fileLogger();
    const records: Record<string, JobRecord> = {
      nightly: {
        nextDueAt: new Date(Date.now() + 3_600_000).toISOString(),
        lastCompletedAt: new Date().toISOString(),
      },
    };
    let runs = 0;
    const scheduler = new JobScheduler(
      [
        {
          name: "nightly",
          schedule: "0 3 * * *",
          jitterMs: 0,
          runAtStart: false,
          run: async () => {
            runs += 1;
          },
        },
      ],
      { log, records, saveRecords: async () => {}, wakeCheckMs: 100 },
    );
    await scheduler.start();
    await new Promise((r) => setTimeout(r, 350));
    expect(runs).toBe(0);
    // What a laptop sees when it wakes: the clock is past the slot it slept through.
    records.nightly = { ...records.nightly, nextDueAt: new Date(Date.now() - 2 * 3_600_000).toISOString() };
    await new Promise((r) => setTimeout(r, 500));
    await scheduler.stop();
    expect(runs).toBe(1);
    expect((await lines()).some((l) => l.msg === "slot missed (machine slept?); catching up")).toBe(true);
    expect(Date.parse(records.nightly?.nextDueAt ?? "")).toBeGreaterThan(Date.now());
  });

  it("delays each run by the random jitter", async () => {
    const { log, lines } = await fileLogger();
    let runs = 0;
    const scheduler = new JobScheduler(
      [
        {
          name: "posture",
          schedule: "0 3 * * *",
          jitterMs: 2000,
          runAtStart: true,
          run: async () => {
            runs += 1;
          },
        },
      ],
      { log, records: {}, saveRecords: async () => {}, random: () => 0.5 },
    );
    await scheduler.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(0);
    await new Promise((r) => setTimeout(r, 1300));
    await scheduler.stop();
    expect(runs).toBe(1);
    expect((await lines()).find((l) => l.msg === "run queued")?.delayMs).toBe(1000);
  });
});
