import { describe, expect, it } from "vitest";
import { retryAfterMs } from "../../../src/collectors/gcp/apis.js";
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
});
