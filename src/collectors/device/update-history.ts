import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../../agent/atomic-file.js";
import type { ResourceInput } from "../../core/resource.js";

/**
 * "No update pending right now" says nothing about how long updates waited, and a count of pending updates says
 * nothing about their age. Cyber Essentials asks for critical and high-risk updates within 14 days, so the
 * device collector keeps, per device, when each pending security update was first seen pending, and reports the
 * oldest as a fact; the rule (DEV-PATCH-001) compares its age with `profile.patching.windowDays`.
 *
 * The history is a small JSON file written atomically: in the agent's state folder when the agent runs the scan,
 * otherwise beside the CLI's device cache (`device.updateHistory` in assay.yaml overrides both). An update that
 * is no longer pending (installed) leaves the history; one that is pending again later starts again.
 */
export const UpdateHistorySchema = z.strictObject({
  version: z.literal(1),
  /** When this device's history began: nothing was seen before it. */
  since: z.iso.datetime(),
  /** Pending security update name → when it was first seen pending. */
  firstSeen: z.record(z.string(), z.iso.datetime()),
});
export type UpdateHistory = z.infer<typeof UpdateHistorySchema>;

export interface HistoryStep {
  history: UpdateHistory;
  /** When the oldest pending security update was first seen, if any is pending. */
  oldestFirstSeen?: string;
  /** No history existed: every pending update is first seen now. */
  started: boolean;
}

/** Pure: the history after seeing `pending` (names of pending security updates) at `now`. */
export function advanceHistory(
  previous: UpdateHistory | undefined,
  pending: readonly string[],
  now: Date,
): HistoryStep {
  const at = now.toISOString();
  const firstSeen: Record<string, string> = {};
  for (const name of [...new Set(pending)].sort()) firstSeen[name] = previous?.firstSeen[name] ?? at;
  const oldest = Object.values(firstSeen).sort()[0];
  return {
    history: { version: 1, since: previous?.since ?? at, firstSeen },
    ...(oldest ? { oldestFirstSeen: oldest } : {}),
    started: previous === undefined,
  };
}

type ReadOutcome = { ok: true; history?: UpdateHistory } | { ok: false; reason: string };

async function readHistory(file: string): Promise<ReadOutcome> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ok: true };
    return { ok: false, reason: `cannot read ${file}: ${(error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${file} is not valid JSON` };
  }
  const parsed = UpdateHistorySchema.safeParse(json);
  if (!parsed.success)
    return { ok: false, reason: `${file} is not an update history: ${parsed.error.issues[0]?.message}` };
  return { ok: true, history: parsed.data };
}

const FACT = "updates.oldestSecurityFirstSeenAt";

/**
 * Add the update history's facts to a collected device resource, and save the history. Anything that keeps the
 * history from being read or saved makes the first-seen fact unreadable with the reason (a history that cannot
 * be kept would report every update as new, which must not pass); no history yet is said in the source.
 */
export async function trackUpdateHistory(
  resource: ResourceInput,
  file: string | undefined,
  now: Date,
): Promise<void> {
  const updates = resource.attributes.updates as Record<string, unknown> | undefined;
  resource.sources ??= {};
  resource.unreadable ??= {};
  const sources = resource.sources;
  const unreadableFacts = resource.unreadable;
  if (!updates || typeof updates !== "object") return;
  const names = updates.securityUpdates;
  const pendingSecurity = typeof updates.pendingSecurity === "number" ? updates.pendingSecurity : 0;
  const unreadable = (reason: string) => {
    if (pendingSecurity > 0) unreadableFacts[FACT] = reason;
  };
  if (!file)
    return unreadable(
      "no update history is kept (device.updateHistory is false), so how long updates have waited is unknown",
    );
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string"))
    return unreadable(
      "the update listing gives no names, so how long each update has waited cannot be tracked",
    );
  const previous = await readHistory(file);
  if (!previous.ok) return unreadable(`update history: ${previous.reason}`);
  const step = advanceHistory(previous.history, names, now);
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, `${JSON.stringify(step.history, null, 2)}\n`);
  } catch (error) {
    return unreadable(`update history could not be saved to ${file}: ${(error as Error).message}`);
  }
  updates.historySince = step.history.since;
  if (step.oldestFirstSeen) updates.oldestSecurityFirstSeenAt = step.oldestFirstSeen;
  const note = step.started
    ? `file: ${file} (no update history before this scan: every pending update is first seen now)`
    : `file: ${file} (update history since ${step.history.since})`;
  sources.updates = sources.updates ? `${sources.updates}; ${note}` : note;
}
