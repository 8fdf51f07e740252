import { readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { AssayError } from "../core/errors.js";
import { ULID_PATTERN } from "../core/ids.js";
import { type ScanReport, ScanReportSchema } from "../core/report.js";
import { fsyncDir, writeFileAtomic } from "./atomic-file.js";
import { errorCode, isDiskFull } from "./disk-full.js";
import type { AgentLogger } from "./log.js";
import { FILE_MODE } from "./state.js";

/**
 * The offline spool: every signed report is written here (atomically, durably) before any attempt to send
 * it, and removed only once the store has acknowledged it. File names are report ids (ULIDs), so name order
 * is creation order and delivery is oldest first. The spool is bounded: when full, a NEW report is refused
 * with a loud error and the old ones stay; nothing is ever dropped silently. A file that cannot be read back
 * is moved to the quarantine folder with a log line, so one bad file cannot stall or crash the agent.
 */
export interface SpoolLimits {
  maxBytes: number;
  maxReports: number;
}

export interface SpooledReport {
  id: string;
  /** The exact bytes to send: re-sends are byte-identical, the store's idempotency does the rest. */
  body: string;
  report: ScanReport;
}

const SPOOL_FILE = /^([0-9A-HJKMNP-TV-Z]{26})\.json$/;

export class Spool {
  constructor(
    private readonly dir: string,
    private readonly quarantineDir: string,
    private readonly limits: SpoolLimits,
    private readonly log: AgentLogger,
  ) {}

  /**
   * Remove temporary files a crash left behind. A temporary file was never renamed into place, so its report
   * was never spooled, never sent and its job never marked done: the job's catch-up run replaces it.
   */
  async recover(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(".") && name.endsWith(".tmp")) {
        await rm(join(this.dir, name), { force: true });
        this.log.info({ file: name }, "removed an unfinished spool write left by an earlier crash");
      }
    }
  }

  /** Report ids in the spool, oldest first. */
  async ids(): Promise<string[]> {
    const names = await readdir(this.dir);
    const ids: string[] = [];
    for (const name of names) {
      const match = SPOOL_FILE.exec(name);
      if (match?.[1]) ids.push(match[1]);
      else if (!(name.startsWith(".") && name.endsWith(".tmp")))
        await this.quarantineFile(name, "unexpected file name in the spool");
    }
    return ids.sort();
  }

  async usage(): Promise<{ reports: number; bytes: number }> {
    let bytes = 0;
    const ids = await this.ids();
    for (const id of ids)
      bytes += await stat(this.pathOf(id)).then(
        (s) => s.size,
        () => 0,
      );
    return { reports: ids.length, bytes };
  }

  /** Durably store a signed report. Throws SPOOL_FULL (and keeps every older report) when over the bound. */
  async put(report: ScanReport): Promise<SpooledReport> {
    if (!ULID_PATTERN.test(report.id))
      throw new AssayError("SPOOL_BAD_ID", `report id ${report.id} is not a ULID`);
    const body = JSON.stringify(report);
    const size = Buffer.byteLength(body);
    const usage = await this.usage();
    if (usage.reports + 1 > this.limits.maxReports || usage.bytes + size > this.limits.maxBytes) {
      throw new AssayError(
        "SPOOL_FULL",
        `spool full (${usage.reports} reports, ${usage.bytes} bytes; limits ${this.limits.maxReports} reports, ${this.limits.maxBytes} bytes): report ${report.id} was NOT kept; older reports are kept and will be sent first once the store is reachable`,
      );
    }
    try {
      await writeFileAtomic(this.pathOf(report.id), body, FILE_MODE);
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      throw new AssayError(
        "SPOOL_DISK_FULL",
        `disk full: report ${report.id} was NOT kept (${this.dir}: ${errorCode(error)}); older reports are kept and will be sent first`,
      );
    }
    return { id: report.id, body, report };
  }

  /** Read one spooled report; a damaged one is quarantined and `undefined` returned. */
  async read(id: string): Promise<SpooledReport | undefined> {
    let body: string;
    try {
      body = await readFile(this.pathOf(id), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      await this.quarantine(id, `not valid JSON: ${(error as Error).message}`);
      return undefined;
    }
    const parsed = ScanReportSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      await this.quarantine(id, `not a valid report: ${issue?.path.join(".")}: ${issue?.message}`);
      return undefined;
    }
    if (parsed.data.id !== id) {
      await this.quarantine(id, `file name does not match the report id ${parsed.data.id}`);
      return undefined;
    }
    return { id, body, report: parsed.data };
  }

  /** Forget a report the store acknowledged. */
  async remove(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
    await fsyncDir(this.dir);
  }

  /** Move a report aside (damaged, or refused by the store for good), keeping it for a person to look at. */
  async quarantine(id: string, reason: string): Promise<void> {
    await this.quarantineFile(`${id}.json`, reason);
  }

  private async quarantineFile(name: string, reason: string): Promise<void> {
    const target = join(this.quarantineDir, `${name}.${Date.now()}.quarantined`);
    try {
      await rename(join(this.dir, name), target);
      await fsyncDir(this.dir);
      await fsyncDir(this.quarantineDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    this.log.error({ file: name, quarantinedAs: target, reason }, "spool file quarantined");
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
