import { createTask, type ScheduledTask } from "node-cron";
import type { AgentLogger } from "./log.js";
import type { JobRecord } from "./state.js";

/**
 * When jobs run. node-cron fires each job's slots; every run starts after a random jitter, never overlaps
 * itself or another job (one scan at a time keeps a laptop quiet), and a slot slept through (lid closed,
 * agent stopped, killed mid-scan) is caught up: on start, and by a once-a-minute check after a wake.
 * Bookkeeping (`nextDueAt` per job) is persisted so catch-up survives restarts.
 */
export interface SchedulableJob {
  name: string;
  schedule: string;
  jitterMs: number;
  runAtStart: boolean;
  /** Runs the job; resolves when its report is safely spooled. */
  run(signal: AbortSignal): Promise<void>;
}

export interface SchedulerOptions {
  log: AgentLogger;
  records: Record<string, JobRecord>;
  saveRecords(records: Record<string, JobRecord>): Promise<void>;
  /** How often to look for slots missed while asleep. */
  wakeCheckMs?: number;
  random?: () => number;
}

type Phase = "idle" | "waiting" | "running";

/** Whether a job owes a run now: its due slot has passed, or it never ran and should run at start. */
export function catchUpDue(
  record: JobRecord | undefined,
  now: Date,
  runAtStart: boolean,
  graceMs = 0,
): boolean {
  if (!record?.nextDueAt) return runAtStart && !record?.lastCompletedAt;
  return Date.parse(record.nextDueAt) + graceMs <= now.getTime();
}

/** Jitter for catch-up runs: still spread, but a device that wakes should report within minutes. */
const CATCH_UP_JITTER_CAP_MS = 5 * 60_000;
const WAKE_GRACE_MS = 60_000;

export class JobScheduler {
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly phase = new Map<string, Phase>();
  private readonly jitterTimers = new Set<NodeJS.Timeout>();
  private wakeTimer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private stopped = false;
  private readonly random: () => number;

  constructor(
    private readonly jobs: SchedulableJob[],
    private readonly options: SchedulerOptions,
  ) {
    this.random = options.random ?? Math.random;
  }

  async start(now = new Date()): Promise<void> {
    const records = this.options.records;
    for (const job of this.jobs) {
      const task = createTask(job.schedule, () => this.trigger(job, "scheduled", job.jitterMs), {
        name: job.name,
        // Our own phase tracking prevents overlap; node-cron's warning about it would be noise.
        noOverlap: false,
      });
      this.tasks.set(job.name, task);
      this.phase.set(job.name, "idle");
      const record = records[job.name];
      if (catchUpDue(record, now, job.runAtStart)) {
        const why = record?.nextDueAt ? `slot ${record.nextDueAt} was missed` : "first start";
        this.options.log.info({ job: job.name, reason: why }, "catch-up run scheduled");
        this.trigger(job, "catch-up", Math.min(job.jitterMs, CATCH_UP_JITTER_CAP_MS));
      } else if (!record?.nextDueAt) {
        records[job.name] = { ...record, nextDueAt: task.getNextRun()?.toISOString() };
      }
      await task.start();
    }
    await this.options.saveRecords(records);
    this.wakeTimer = setInterval(() => this.checkMissed(), this.options.wakeCheckMs ?? 60_000);
  }

  /** Stop firing; abort a waiting or running job (its slot stays owed and is caught up next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.wakeTimer) clearInterval(this.wakeTimer);
    for (const timer of this.jitterTimers) clearTimeout(timer);
    this.jitterTimers.clear();
    for (const task of this.tasks.values()) await task.destroy();
    this.abort.abort(new Error("agent is shutting down"));
    await this.queue;
  }

  nextRuns(): Record<string, string | undefined> {
    return Object.fromEntries(
      [...this.tasks].map(([name, task]) => [name, task.getNextRun()?.toISOString()]),
    );
  }

  private checkMissed(): void {
    const now = new Date();
    for (const job of this.jobs) {
      if (this.phase.get(job.name) !== "idle") continue;
      if (catchUpDue(this.options.records[job.name], now, false, job.jitterMs + WAKE_GRACE_MS)) {
        this.options.log.info(
          { job: job.name, dueAt: this.options.records[job.name]?.nextDueAt },
          "slot missed (machine slept?); catching up",
        );
        this.trigger(job, "catch-up", Math.min(job.jitterMs, CATCH_UP_JITTER_CAP_MS));
      }
    }
  }

  private trigger(job: SchedulableJob, reason: "scheduled" | "catch-up", maxJitterMs: number): void {
    if (this.stopped) return;
    if (this.phase.get(job.name) !== "idle") {
      this.options.log.info(
        { job: job.name, reason },
        "previous run still in progress; this slot is skipped",
      );
      return;
    }
    this.phase.set(job.name, "waiting");
    const delay = Math.floor(this.random() * maxJitterMs);
    this.options.log.debug({ job: job.name, reason, delayMs: delay }, "run queued");
    const timer = setTimeout(() => {
      this.jitterTimers.delete(timer);
      this.queue = this.queue.then(() => this.execute(job, reason));
    }, delay);
    this.jitterTimers.add(timer);
  }

  private async execute(job: SchedulableJob, reason: string): Promise<void> {
    if (this.stopped) {
      this.phase.set(job.name, "idle");
      return;
    }
    this.phase.set(job.name, "running");
    const startedAt = new Date();
    const records = this.options.records;
    records[job.name] = { ...records[job.name], lastStartedAt: startedAt.toISOString() };
    let completed = false;
    try {
      await job.run(this.abort.signal);
      completed = true;
    } catch (error) {
      if (this.stopped) {
        this.options.log.info(
          { job: job.name },
          "run stopped by shutdown; it will be caught up on next start",
        );
      } else {
        this.options.log.error(
          { job: job.name, reason, err: describe(error) },
          "job failed; it runs again at its next slot",
        );
      }
    } finally {
      this.phase.set(job.name, "idle");
    }
    if (this.stopped && !completed) return;
    // Done or failed: the slot is served either way (a failing job must not retry in a tight loop).
    const next = this.tasks.get(job.name)?.getNextRun()?.toISOString();
    records[job.name] = {
      ...records[job.name],
      ...(completed ? { lastCompletedAt: new Date().toISOString() } : {}),
      nextDueAt: next,
    };
    await this.options.saveRecords(records);
  }
}

function describe(error: unknown): { code?: string; message: string } {
  if (error instanceof Error)
    return { ...("code" in error ? { code: String(error.code) } : {}), message: error.message };
  return { message: String(error) };
}
