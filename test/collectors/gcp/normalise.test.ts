import { describe, expect, it } from "vitest";
import { retryAfterMs, shouldRetryCall } from "../../../src/collectors/gcp/apis.js";
import { toGoogleFailure } from "../../../src/collectors/gcp/errors.js";

describe("Retry-After", () => {
  it("reads seconds and HTTP dates, capped at a minute", () => {
    const now = Date.parse("2026-06-01T00:00:00Z");
    expect(retryAfterMs("2", now)).toBe(2000);
    expect(retryAfterMs("0", now)).toBe(0);
    expect(retryAfterMs("Mon, 01 Jun 2026 00:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("3600", now)).toBe(60_000);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});

describe("Google error replies", () => {
  const gaxiosError = (status: number, data: unknown) =>
    Object.assign(new Error("request failed"), { response: { status, data } });

  it("names the permission from ErrorInfo, then from the message, then the one the call needs", () => {
    const info = gaxiosError(403, {
      error: {
        code: 403,
        message: "denied",
        details: [{ reason: "IAM_PERMISSION_DENIED", metadata: { permission: "a.b.c" } }],
      },
    });
    expect(toGoogleFailure(info, "x.y.z")).toMatchObject({ kind: "denied", permission: "a.b.c" });
    const storage = gaxiosError(403, {
      error: {
        code: 403,
        message: "sa@p.iam.gserviceaccount.com does not have storage.buckets.list access to the project.",
      },
    });
    expect(toGoogleFailure(storage, "x.y.z")).toMatchObject({ permission: "storage.buckets.list" });
    expect(toGoogleFailure(gaxiosError(403, { error: { message: "Forbidden" } }), "x.y.z")).toMatchObject({
      permission: "x.y.z",
    });
  });

  it("tells a disabled API from a denial", () => {
    const disabled = gaxiosError(403, {
      error: { code: 403, message: "API disabled", details: [{ reason: "SERVICE_DISABLED" }] },
    });
    expect(toGoogleFailure(disabled, "x.y.z")).toMatchObject({ kind: "disabled", code: "SERVICE_DISABLED" });
  });

  it("says a call was unreachable for DNS, TCP and TLS failures, never that a permission is missing", () => {
    for (const code of [
      "ENOTFOUND",
      "ECONNREFUSED",
      "ECONNRESET",
      "CERT_HAS_EXPIRED",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    ]) {
      const error = Object.assign(new Error(`request failed, reason: ${code}`), {
        code,
        config: { url: "https://storage.googleapis.com/storage/v1/b?project=p" },
      });
      const failure = toGoogleFailure(error, "storage.buckets.list");
      expect(failure).toEqual({
        kind: "unreachable",
        code: "UNREACHABLE",
        message: `UNREACHABLE: no answer from storage.googleapis.com (${code})`,
      });
    }
  });

  it("calls 5xx and unreadable replies service errors, 400 and 401 configuration problems", () => {
    const html = Object.assign(gaxiosError(502, "<html><body>Bad Gateway</body></html>"), {
      config: { url: "https://compute.googleapis.com/compute/v1/projects/p/global/firewalls" },
    });
    expect(toGoogleFailure(html, "compute.firewalls.list")).toEqual({
      kind: "service-error",
      status: 502,
      code: "HTTP_502",
      message: "HTTP_502: HTTP 502 from compute.googleapis.com",
    });
    expect(
      toGoogleFailure(
        gaxiosError(501, { error: { code: 501, message: "Not implemented", status: "UNIMPLEMENTED" } }),
        "x.y.z",
      ),
    ).toMatchObject({
      kind: "service-error",
      code: "UNIMPLEMENTED",
    });
    expect(
      toGoogleFailure(
        gaxiosError(400, {
          error: { code: 400, message: "Bucket is a requester pays bucket but no user project provided." },
        }),
        "x.y.z",
      ),
    ).toMatchObject({
      kind: "invalid-configuration",
      code: "HTTP_400",
    });
    const unauthenticated = toGoogleFailure(
      gaxiosError(401, { error: { code: 401, status: "UNAUTHENTICATED" } }),
      "x.y.z",
    );
    expect(unauthenticated).toMatchObject({ kind: "invalid-configuration", code: "UNAUTHENTICATED" });
    expect(unauthenticated.permission).toBeUndefined();
    expect(toGoogleFailure(gaxiosError(404, { error: { code: 404, message: "gone" } }), "x.y.z").kind).toBe(
      "not-found",
    );
    expect(toGoogleFailure(gaxiosError(429, {}), "x.y.z").kind).toBe("throttled");
  });
});

describe("retries", () => {
  const retry = (failure: Parameters<typeof shouldRetryCall>[0], cancelled = false) =>
    shouldRetryCall(failure, 4, cancelled);

  it("retry throttling up to maxRetries, a 5xx or a lost connection once, and nothing else", () => {
    expect([0, 1, 2, 3, 4].map((attempt) => retry({ status: 429, hasResponse: true, attempt }))).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    expect([0, 1].map((attempt) => retry({ status: 503, hasResponse: true, attempt }))).toEqual([
      true,
      false,
    ]);
    expect([0, 1].map((attempt) => retry({ hasResponse: false, code: "ECONNRESET", attempt }))).toEqual([
      true,
      false,
    ]);
    expect(retry({ hasResponse: false, code: "TimeoutError", attempt: 0 })).toBe(false);
    expect(retry({ status: 403, hasResponse: true, attempt: 0 })).toBe(false);
    expect(retry({ status: 400, hasResponse: true, attempt: 0 })).toBe(false);
    expect(retry({ status: 503, hasResponse: true, attempt: 0, method: "POST" })).toBe(false);
    expect(retry({ status: 429, hasResponse: true, attempt: 0 }, true)).toBe(false);
    expect(shouldRetryCall({ status: 503, hasResponse: true, attempt: 0 }, 0, false)).toBe(false);
  });
});
