import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { advanceHistory, trackUpdateHistory } from "../../../src/collectors/device/update-history.js";
import { DEFAULT_PROFILE, resolveProfile } from "../../../src/core/profile.js";
import { type ResourceInput, ResourceSchema } from "../../../src/core/resource.js";
import { evaluateRule } from "../../../src/engine/evaluate.js";
import { loadRules } from "../../../src/engine/load.js";
import { BUILTIN_RULES_DIR } from "../../../src/engine/paths.js";

const day = (n: number) => new Date(Date.UTC(2026, 4, n));

function device(
  securityUpdates: string[] | undefined,
  pendingSecurity = securityUpdates?.length ?? 1,
): ResourceInput {
  return {
    uid: "device:test",
    type: "device",
    provider: "device",
    name: "laptop",
    attributes: {
      updates: {
        manager: "apt",
        pending: pendingSecurity + 2,
        pendingSecurity,
        automatic: true,
        ...(securityUpdates ? { securityUpdates } : {}),
      },
    },
    sources: { updates: "cmd: apt-get -s dist-upgrade" },
    unreadable: {},
    collectedAt: day(1).toISOString(),
  };
}

const updatesOf = (r: ResourceInput) => r.attributes.updates as Record<string, unknown>;

describe("update history", () => {
  it("keeps the first sighting of each pending update, drops installed ones, and names the oldest", () => {
    const first = advanceHistory(undefined, ["openssl", "curl"], day(1));
    expect(first.started).toBe(true);
    expect(first.oldestFirstSeen).toBe(day(1).toISOString());
    const later = advanceHistory(first.history, ["openssl", "libc6"], day(10));
    expect(later.started).toBe(false);
    expect(later.history).toEqual({
      version: 1,
      since: day(1).toISOString(),
      firstSeen: { libc6: day(10).toISOString(), openssl: day(1).toISOString() },
    });
    expect(later.oldestFirstSeen).toBe(day(1).toISOString());
    // Installed: gone from the history; pending again later starts again.
    const patched = advanceHistory(later.history, [], day(11));
    expect(patched.oldestFirstSeen).toBeUndefined();
    expect(advanceHistory(patched.history, ["openssl"], day(12)).oldestFirstSeen).toBe(day(12).toISOString());
  });

  it("records first sightings across scans in its file and says when no history existed", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "assay-history-")), "state", "update-history.json");
    const first = device(["openssl"]);
    await trackUpdateHistory(first, file, day(1));
    expect(updatesOf(first)).toMatchObject({
      oldestSecurityFirstSeenAt: day(1).toISOString(),
      historySince: day(1).toISOString(),
    });
    expect(first.sources?.updates).toContain(
      "no update history before this scan: every pending update is first seen now",
    );

    const second = device(["openssl", "libssl3"]);
    await trackUpdateHistory(second, file, day(10));
    expect(updatesOf(second).oldestSecurityFirstSeenAt).toBe(day(1).toISOString());
    expect(second.sources?.updates).toContain(`update history since ${day(1).toISOString()}`);
    expect(JSON.parse(await readFile(file, "utf8")).firstSeen).toEqual({
      libssl3: day(10).toISOString(),
      openssl: day(1).toISOString(),
    });
  });

  it("makes the first-seen fact unreadable when the history cannot be kept, so the rule is an error, never a pass", async () => {
    const dir = await mkdtemp(join(tmpdir(), "assay-history-"));
    const corrupt = join(dir, "corrupt.json");
    await writeFile(corrupt, "{not json");
    const a = device(["openssl"]);
    await trackUpdateHistory(a, corrupt, day(1));
    expect(a.unreadable?.["updates.oldestSecurityFirstSeenAt"]).toContain("is not valid JSON");

    const blocked = join(dir, "corrupt.json", "update-history.json"); // a file stands where the folder should be
    const b = device(["openssl"]);
    await trackUpdateHistory(b, blocked, day(1));
    expect(b.unreadable?.["updates.oldestSecurityFirstSeenAt"]).toMatch(/cannot read .*update-history.json/);

    if (process.platform === "linux") {
      // /proc takes no new files: the read finds nothing, the save fails.
      const unsaved = device(["openssl"]);
      await trackUpdateHistory(unsaved, "/proc/assay-update-history.json", day(1));
      expect(unsaved.unreadable?.["updates.oldestSecurityFirstSeenAt"]).toContain("could not be saved");
      expect(updatesOf(unsaved).oldestSecurityFirstSeenAt).toBeUndefined();
    }

    const c = device(undefined, 2);
    await trackUpdateHistory(c, join(dir, "h.json"), day(1));
    expect(c.unreadable?.["updates.oldestSecurityFirstSeenAt"]).toContain("gives no names");

    const d = device(["openssl"]);
    await trackUpdateHistory(d, undefined, day(1));
    expect(d.unreadable?.["updates.oldestSecurityFirstSeenAt"]).toContain("no update history is kept");
    // Nothing pending: nothing to be unknown about.
    const e = device([], 0);
    await trackUpdateHistory(e, undefined, day(1));
    expect(e.unreadable).toEqual({});
  });

  it("feeds DEV-PATCH-001: 9 days pass, 20 fail with the age and the profile's limit, unreadable history is an error", async () => {
    const { rules } = await loadRules({ dirs: [BUILTIN_RULES_DIR] });
    const rule = rules.find((r) => r.definition.id === "DEV-PATCH-001");
    if (!rule) throw new Error("DEV-PATCH-001 not shipped");
    const file = join(await mkdtemp(join(tmpdir(), "assay-history-")), "update-history.json");
    const seen = device(["openssl"]);
    await trackUpdateHistory(seen, file, day(1));
    const at = async (n: number, profile = DEFAULT_PROFILE) => {
      const input = device(["openssl"]);
      await trackUpdateHistory(input, file, day(n));
      const resource = ResourceSchema.parse(input);
      return evaluateRule(rule, resource, day(n), { resource, now: day(n), profile: profile.values });
    };
    expect((await at(10)).status).toBe("pass");
    const late = await at(21);
    expect(late.status).toBe("fail");
    expect(late.message).toBe(
      "oldest pending security update: 20 days (limit 14); 1 security updates pending",
    );
    expect((await at(21, resolveProfile({ patching: { windowDays: 30 } }))).status).toBe("pass");
    await writeFile(file, "[]");
    const broken = await at(22);
    expect(broken.status).toBe("error");
    expect(broken.message).toContain("update history");
  });
});
