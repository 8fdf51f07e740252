import pLimit from "p-limit";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AttemptPolicy, attemptCall, retryAfterMs } from "../../../src/collectors/kit/attempts.js";
import { apiCall, permissionsOf } from "../../../src/collectors/kit/calls.js";
import { CallError, classify, type ErrorClassifier } from "../../../src/collectors/kit/errors.js";
import { FactsRecord } from "../../../src/collectors/kit/facts.js";
import { defineResourceType } from "../../../src/collectors/kit/resource-type.js";
import { collectType, type ProviderBinding, typeContext } from "../../../src/collectors/kit/runner.js";
import type { ResourceInput } from "../../../src/core/resource.js";

const GET = apiCall("svc:GetThing", "svc:ReadThing");
const LIST = apiCall("svc:ListThings");
const UNDECLARED = apiCall("svc:DeleteThing");

/** A provider classifier the way a provider writes one: its SDK's `code` and `status` fields. */
const classifier: ErrorClassifier = (err) => {
  const e = err as { code?: string; status?: number };
  if (e.code === "Denied") return { kind: "denied", code: e.code };
  if (e.code === "SlowDown") return { kind: "throttled", code: e.code };
  if (e.status && e.status >= 500)
    return { kind: "serviceError", code: e.code ?? "Unknown", status: e.status };
  return undefined;
};

const fast: AttemptPolicy = { maxAttempts: 4, budgetMs: 2_000, baseDelayMs: 1, maxDelayMs: 2 };
const failure = (fields: Record<string, unknown>) => Object.assign(new Error("raw SDK text"), fields);

/** A send that fails with the given errors in turn, then answers "ok"; counts its attempts. */
function flaky(...errors: unknown[]) {
  const state = { attempts: 0 };
  const send = async () => {
    state.attempts += 1;
    const next = errors[state.attempts - 1];
    if (next !== undefined) throw next;
    return "ok";
  };
  return { state, send };
}

const never = new AbortController().signal;

describe("attemptCall: bounded attempts by error kind", () => {
  it("retries throttling up to maxAttempts, then succeeds", async () => {
    const f = flaky(failure({ code: "SlowDown" }), failure({ code: "SlowDown" }));
    await expect(attemptCall(GET, f.send, classifier, fast, never)).resolves.toBe("ok");
    expect(f.state.attempts).toBe(3);
  });

  it("waits out a throttled reply's Retry-After, and gives up at once when it reaches past the budget", async () => {
    const throttled = (retryAfter: string) =>
      failure({ code: "SlowDown", $response: { statusCode: 429, headers: { "retry-after": retryAfter } } });
    const f = flaky(throttled("1"));
    const started = Date.now();
    await expect(attemptCall(GET, f.send, classifier, { ...fast, budgetMs: 5_000 }, never)).resolves.toBe(
      "ok",
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(f.state.attempts).toBe(2);

    const late = flaky(throttled("30"));
    const before = Date.now();
    const err = (await attemptCall(GET, late.send, classifier, { ...fast, budgetMs: 5_000 }, never).catch(
      (e: unknown) => e,
    )) as CallError;
    expect(err.kind).toBe("throttled");
    expect(late.state.attempts).toBe(1);
    expect(Date.now() - before).toBeLessThan(500);
  });

  it("reads Retry-After as the AWS, Azure and Google SDKs carry it", () => {
    const now = Date.parse("2026-12-05T10:00:00Z");
    expect(retryAfterMs({ $response: { headers: { "retry-after": "3" } } }, now)).toBe(3000);
    expect(retryAfterMs({ response: { headers: new Map([["retry-after", "7"]]) } }, now)).toBe(7000);
    expect(
      retryAfterMs({ response: { headers: { "retry-after": "Sat, 05 Dec 2026 10:00:04 GMT" } } }, now),
    ).toBe(4000);
    expect(retryAfterMs({ response: { headers: { "retry-after": "soon" } } }, now)).toBeUndefined();
    expect(retryAfterMs(new Error("no reply"), now)).toBeUndefined();
  });

  it("gives up on throttling after maxAttempts and says how many", async () => {
    const f = flaky(...Array.from({ length: 10 }, () => failure({ code: "SlowDown" })));
    const err = await attemptCall(GET, f.send, classifier, fast, never).catch((e: unknown) => e);
    expect(f.state.attempts).toBe(4);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).kind).toBe("throttled");
    expect((err as CallError).message).toBe(
      "svc:GetThing was throttled (SlowDown) and still refused after 4 attempts",
    );
  });

  it("tries a 5xx twice at most, never maxAttempts times", async () => {
    const f = flaky(...Array.from({ length: 10 }, () => failure({ code: "Internal", status: 503 })));
    const err = (await attemptCall(GET, f.send, classifier, fast, never).catch(
      (e: unknown) => e,
    )) as CallError;
    expect(f.state.attempts).toBe(2);
    expect(err.kind).toBe("serviceError");
    expect(err.permission).toBe("svc:ReadThing");
    expect(err.message).toBe("svc:GetThing: the service failed to answer (Internal, HTTP 503)");
    expect(err.debug).toBe("Error: raw SDK text");
  });

  it("does not retry a denial or a refused connection, and names the permission only for the denial", async () => {
    const denied = flaky(failure({ code: "Denied" }));
    const d = (await attemptCall(GET, denied.send, classifier, fast, never).catch(
      (e: unknown) => e,
    )) as CallError;
    expect(denied.state.attempts).toBe(1);
    expect(d.kind).toBe("denied");
    expect(d.reason).toBe("AccessDenied: svc:ReadThing");

    // SDKs wrap the socket error; the kit finds the Node code in the cause chain.
    const refused = flaky(new Error("connect failed", { cause: failure({ code: "ECONNREFUSED" }) }));
    const r = (await attemptCall(GET, refused.send, classifier, fast, never).catch(
      (e: unknown) => e,
    )) as CallError;
    expect(refused.state.attempts).toBe(1);
    expect(r.kind).toBe("unreachable");
    expect(r.reason).toBe("svc:GetThing: the endpoint could not be reached (ECONNREFUSED)");
    expect(r.reason).not.toMatch(/permission|AccessDenied/);
  });

  it("retries a dropped keep-alive socket once", async () => {
    const f = flaky(failure({ code: "ECONNRESET" }));
    await expect(attemptCall(GET, f.send, classifier, fast, never)).resolves.toBe("ok");
    expect(f.state.attempts).toBe(2);
  });

  it("stops a call that exceeds its time budget, waits included", async () => {
    const started = Date.now();
    const err = (await attemptCall(
      GET,
      () => new Promise<string>(() => {}),
      classifier,
      { ...fast, budgetMs: 50 },
      never,
    ).catch((e: unknown) => e)) as CallError;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err.kind).toBe("unreachable");
    expect(err.wireCode).toBe("ETIMEDOUT");
  });

  it("passes an abort through untouched instead of classifying it", async () => {
    const controller = new AbortController();
    const reason = new Error("scan cancelled");
    controller.abort(reason);
    await expect(attemptCall(GET, async () => "ok", classifier, fast, controller.signal)).rejects.toBe(
      reason,
    );
  });

  it("falls back on the HTTP status, then on serviceError, when the provider does not know the error", () => {
    expect(classify(failure({ $status: 1 }), GET, () => undefined).kind).toBe("serviceError");
    expect(classify(failure({ code: "Weird", status: 502 }), GET, classifier).kind).toBe("serviceError");
  });
});

const ThingFacts = z.strictObject({
  id: z.string(),
  size: z.number().optional(),
  owner: z.string().optional(),
});

interface Raw {
  id: string;
  size?: number;
}

function binding(emitted: ResourceInput[], errors: unknown[]): ProviderBinding<{ account: string }> {
  return {
    provider: "test",
    handle: { account: "acct-1" },
    classifier,
    policy: fast,
    signal: never,
    limiter: () => pLimit(2),
    emit: (r) => emitted.push(r),
    reportError: (e) => errors.push(e),
    itemsInFlight: 2,
  };
}

describe("collectType: one declaration, run by the kit", () => {
  const items: Raw[] = [{ id: "a", size: 3 }, { id: "b" }];
  const thing = (listError?: unknown, ownerError?: unknown) =>
    defineResourceType<{ account: string }, Raw>({
      type: "test.thing",
      service: "svc",
      scope: "regional",
      facts: ThingFacts,
      calls: [LIST, GET],
      async *list(ctx) {
        yield* await ctx.call(LIST, async () => {
          if (listError) throw listError;
          return items;
        });
      },
      async read(ctx, raw, facts) {
        facts.set("id", raw.id, LIST);
        facts.set("size", raw.size, LIST);
        await facts.read(
          "owner",
          () =>
            ctx.call(GET, async () => {
              if (ownerError) throw ownerError;
              return `owner-of-${raw.id}`;
            }),
          (owner) => facts.set("owner", owner, GET),
        );
        return { uid: `thing/${raw.id}`, name: raw.id, account: ctx.provider.account, region: ctx.where };
      },
    });

  it("emits validated resources; a value the API did not return stays absent", async () => {
    const emitted: ResourceInput[] = [];
    const errors: unknown[] = [];
    expect(await collectType(binding(emitted, errors), thing(), "eu-west-1", "acct-1/eu-west-1/svc")).toBe(2);
    expect(errors).toEqual([]);
    const b = emitted.find((r) => r.name === "b");
    expect(b).toMatchObject({ provider: "test", type: "test.thing", region: "eu-west-1", account: "acct-1" });
    expect(b?.attributes).toEqual({ id: "b", owner: "owner-of-b" });
    expect(b?.sources).toEqual({ id: "api: svc:ListThings", owner: "api: svc:GetThing" });
  });

  it("a failed detail read makes only its facts unreadable", async () => {
    const emitted: ResourceInput[] = [];
    await collectType(binding(emitted, []), thing(undefined, failure({ code: "Denied" })), "r", "s");
    expect(emitted[0]?.attributes).toEqual({ id: "a", size: 3 });
    expect(emitted[0]?.unreadable).toEqual({ owner: "AccessDenied: svc:ReadThing" });
  });

  it("a failed list becomes one error record: kind, plain message, debug text, permission only when denied", async () => {
    const errors: unknown[] = [];
    await collectType(
      binding([], errors),
      thing(failure({ code: "Internal", status: 500 })),
      "r",
      "acct-1/r/svc",
    );
    expect(errors).toEqual([
      {
        collector: "test",
        scope: "acct-1/r/svc",
        code: "Internal",
        kind: "serviceError",
        message: "svc:ListThings: the service failed to answer (Internal, HTTP 500)",
        debug: "Error: raw SDK text",
        resourceTypes: ["test.thing"],
      },
    ]);
    const denied: unknown[] = [];
    await collectType(binding([], denied), thing(failure({ code: "Denied" })), "r", "s");
    expect(denied[0]).toMatchObject({ code: "AccessDenied", kind: "denied", permission: "svc:ListThings" });
  });

  it("refuses a call its declaration does not list, so declared permissions cannot drift from the calls", async () => {
    const errors: { message: string }[] = [];
    const sneaky = defineResourceType<{ account: string }, Raw>({
      ...thing(),
      calls: [LIST],
      async read(ctx, raw, facts) {
        facts.set("id", raw.id, LIST);
        await ctx.call(UNDECLARED, async () => "x");
        return { uid: raw.id, name: raw.id };
      },
    });
    await collectType(binding([], errors as unknown[]), sneaky, "r", "s");
    expect(errors[0]?.message).toBe(
      "test.thing calls svc:DeleteThing, which its declaration does not list in calls",
    );
  });

  it("callOrAbsent: listed wire codes only when given, else any notFound", async () => {
    const notFoundClassifier: ErrorClassifier = (err) => {
      const e = err as { code?: string };
      return e.code?.startsWith("NoSuch") ? { kind: "notFound", code: e.code } : classifier(err);
    };
    const b = { ...binding([], []), classifier: notFoundClassifier };
    const ctx = typeContext(b, thing(), "r");
    const fail = (code: string) => async () => {
      throw failure({ code });
    };
    await expect(ctx.callOrAbsent(GET, fail("NoSuchPolicy"), ["NoSuchPolicy"])).resolves.toBeUndefined();
    // A vanished bucket is not "not configured": with codes given, it stays an error.
    await expect(ctx.callOrAbsent(GET, fail("NoSuchBucket"), ["NoSuchPolicy"])).rejects.toMatchObject({
      kind: "notFound",
    });
    await expect(ctx.callOrAbsent(GET, fail("NoSuchBucket"))).resolves.toBeUndefined();
    await expect(ctx.callOrAbsent(GET, fail("Denied"))).rejects.toMatchObject({ kind: "denied" });
  });

  it("reads items lane by lane when the declaration has lanes", async () => {
    const inFlight = new Map<string, number>();
    let most = 0;
    const laned = defineResourceType<{ account: string }, Raw>({
      ...thing(),
      lanes: { of: (raw) => (raw.id < "m" ? "eu" : "us"), inFlight: () => 1, waiting: 10 },
      async *list() {
        for (const id of ["a", "b", "c", "x", "y", "z"]) yield { id };
      },
      async read(_ctx, raw, facts) {
        const lane = raw.id < "m" ? "eu" : "us";
        inFlight.set(lane, (inFlight.get(lane) ?? 0) + 1);
        most = Math.max(most, inFlight.get(lane) ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight.set(lane, (inFlight.get(lane) ?? 0) - 1);
        facts.set("id", raw.id, LIST);
        return { uid: raw.id, name: raw.id };
      },
    });
    const emitted: ResourceInput[] = [];
    expect(await collectType(binding(emitted, []), laned, "r", "s")).toBe(6);
    expect(most).toBe(1);
  });

  it("permissionsOf lists each declared permission once, sorted", () => {
    expect(permissionsOf([GET, LIST, GET, UNDECLARED], ["svc:DeleteThing"])).toEqual([
      "svc:ListThings",
      "svc:ReadThing",
    ]);
  });
});

describe("FactsRecord", () => {
  it("refuses facts that do not match the schema, naming the resource", () => {
    const facts = new FactsRecord();
    facts.set("id", 42, "cmd: test");
    expect(() => facts.build(ThingFacts, "test.thing", "test", { uid: "u1", name: "n" })).toThrow(
      /test collector produced invalid facts for u1/,
    );
  });

  it("an unreadable fact replaces a value and its source", () => {
    const facts = new FactsRecord();
    facts.set("owner", "x", "file: /etc/owner");
    facts.fail("owner", new Error("permission denied reading /etc/owner"));
    expect(facts.attributes).toEqual({});
    expect(facts.sources).toEqual({});
    expect(facts.unreadable).toEqual({ owner: "permission denied reading /etc/owner" });
  });

  it("keeps where a failed read was attempted, and a part of a fact can be unreadable beside the rest", () => {
    const facts = new FactsRecord()
      .set("ssh", { serverInstalled: true }, "file: /usr/sbin/sshd")
      .fail("ssh.permitRootLogin", "sshd -T: permission denied");
    const failed = new FactsRecord().fail("firewall", "nft: permission denied", "cmd: nft list ruleset");
    expect(failed.sources).toEqual({ firewall: "cmd: nft list ruleset" });
    expect(failed.unreadable).toEqual({ firewall: "nft: permission denied" });
    expect(facts.attributes).toEqual({ ssh: { serverInstalled: true } });
    expect(facts.unreadable).toEqual({ "ssh.permitRootLogin": "sshd -T: permission denied" });
  });

  it("merges records: facts, sources and reasons of every part", () => {
    const merged = new FactsRecord().merge(
      new FactsRecord().set("os", "linux", "file: /etc/os-release"),
      new FactsRecord().fail("firewall", "no firewall tool found"),
      new FactsRecord().set("backup", { configured: false }, "proc: none"),
    );
    expect(merged.attributes).toEqual({ os: "linux", backup: { configured: false } });
    expect(merged.sources).toEqual({ os: "file: /etc/os-release", backup: "proc: none" });
    expect(merged.unreadable).toEqual({ firewall: "no firewall tool found" });
  });
});
