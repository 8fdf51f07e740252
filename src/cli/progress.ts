import type { ProgressEvent } from "../collectors/types.js";

/** One status line on stderr while collectors work; nothing when stderr is not a terminal. */
export function createProgressReporter(enabled: boolean): {
  update: (event: ProgressEvent) => void;
  stop: () => void;
} {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const done: string[] = [];
  let current = "";
  const draw = () =>
    process.stderr.write(`\r\x1b[2K${[...done.slice(-3), current].filter(Boolean).join(" · ")}`);
  return {
    update(event) {
      if (event.phase === "start") current = `collecting ${event.scope}…`;
      else {
        const suffix =
          event.phase === "error" ? " failed" : event.resources === undefined ? "" : ` (${event.resources})`;
        done.push(`${event.scope}${suffix}`);
        current = "";
      }
      draw();
    },
    stop() {
      process.stderr.write("\r\x1b[2K");
    },
  };
}
