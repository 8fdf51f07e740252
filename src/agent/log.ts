import { closeSync, openSync, writeSync } from "node:fs";
import pino from "pino";
import { isDiskFull } from "./disk-full.js";

/**
 * One JSON line per event on stdout (journald, launchd and the Windows task capture it). Writes are
 * synchronous so the line about a report is on disk before the next step, even if the process is killed.
 * Secrets never reach a log call; the redaction list is a second line of defence.
 */
export type AgentLogger = pino.Logger;

export function createAgentLogger(level: string, destination: number | string = 1): AgentLogger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "token",
          "enrolmentSecret",
          "secret",
          "authorization",
          "*.token",
          "*.enrolmentSecret",
          "*.authorization",
        ],
        censor: "[redacted]",
      },
    },
    typeof destination === "number"
      ? pino.destination({ dest: destination, sync: true })
      : new LogFile(destination),
  );
}

/**
 * The log file, written synchronously line by line. A full disk must not turn a log call into an exception
 * anywhere in the agent: a line that cannot be written is dropped, and stderr says so once per episode.
 */
class LogFile {
  private fd: number | undefined;
  private full = false;

  constructor(private readonly path: string) {}

  write(line: string): void {
    try {
      this.fd ??= openSync(this.path, "a", 0o600);
      writeSync(this.fd, line);
      if (this.full) {
        this.full = false;
        process.stderr.write(`assay: disk space is back: writing ${this.path} again\n`);
      }
    } catch (error) {
      if (!this.full) {
        this.full = true;
        const why = isDiskFull(error) ? "disk full" : (error as Error).message;
        process.stderr.write(
          `assay: ${why}: cannot write the log file ${this.path}; log lines are dropped until it can\n`,
        );
      }
      if (!isDiskFull(error) && this.fd !== undefined) {
        closeSync(this.fd);
        this.fd = undefined;
      }
    }
  }
}
