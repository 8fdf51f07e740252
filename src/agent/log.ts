import pino from "pino";

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
    pino.destination({ dest: destination, sync: true }),
  );
}
