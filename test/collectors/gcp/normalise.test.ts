import { describe, expect, it } from "vitest";
import { z } from "zod";
import { classifyGoogleError } from "../../../src/collectors/gcp/errors.js";
import { apiCall } from "../../../src/collectors/kit/calls.js";
import { classify } from "../../../src/collectors/kit/errors.js";

const LIST = apiCall("storage.buckets.list");
const gaxiosError = (status: number, data: unknown) =>
  Object.assign(new Error("request failed"), {
    response: { status, data },
    config: { url: "https://storage.googleapis.com/storage/v1/b?project=p" },
  });
const kindOf = (error: unknown) => classify(error, LIST, classifyGoogleError);

describe("Google error replies", () => {
  it("call a 403 a denial naming the permission the call needs", () => {
    const denied = kindOf(
      gaxiosError(403, {
        error: {
          code: 403,
          message: "sa@p.iam.gserviceaccount.com does not have storage.buckets.list access to the project.",
          errors: [{ reason: "forbidden" }],
        },
      }),
    );
    expect(denied).toMatchObject({ kind: "denied", permission: "storage.buckets.list" });
    expect(denied.reason).toBe("AccessDenied: storage.buckets.list");
  });

  it("tell a disabled API from a denial", () => {
    const disabled = kindOf(
      gaxiosError(403, {
        error: { code: 403, message: "API disabled", details: [{ reason: "SERVICE_DISABLED" }] },
      }),
    );
    expect(disabled).toMatchObject({ kind: "invalidConfiguration", wireCode: "SERVICE_DISABLED" });
  });

  it("say a call was unreachable for DNS, TCP and TLS failures, never that a permission is missing", () => {
    for (const code of ["ENOTFOUND", "ECONNREFUSED", "ECONNRESET", "CERT_HAS_EXPIRED"]) {
      const error = kindOf(Object.assign(new Error(`request failed, reason: ${code}`), { code }));
      expect(error).toMatchObject({ kind: "unreachable", wireCode: code });
      expect(error.reportCode).not.toBe("AccessDenied");
    }
  });

  it("call 5xx and unreadable replies service errors, 400 and 401 configuration problems", () => {
    const html = kindOf(gaxiosError(502, "<html><body>Bad Gateway</body></html>"));
    expect(html).toMatchObject({ kind: "serviceError", wireCode: "HTTP_502" });
    expect(html.message).not.toContain("<html>");
    expect(kindOf(gaxiosError(501, { error: { code: 501, status: "UNIMPLEMENTED" } }))).toMatchObject({
      kind: "serviceError",
      wireCode: "UNIMPLEMENTED",
    });
    expect(kindOf(gaxiosError(400, { error: { code: 400, message: "no user project" } }))).toMatchObject({
      kind: "invalidConfiguration",
      wireCode: "HTTP_400",
    });
    const unauthenticated = kindOf(gaxiosError(401, { error: { code: 401, status: "UNAUTHENTICATED" } }));
    expect(unauthenticated).toMatchObject({ kind: "invalidConfiguration", wireCode: "UNAUTHENTICATED" });
    expect(unauthenticated.reportCode).toBe("UNAUTHENTICATED");
    expect(kindOf(gaxiosError(404, { error: { code: 404, status: "NOT_FOUND" } })).kind).toBe("notFound");
    expect(kindOf(gaxiosError(429, { error: { code: 429, status: "RESOURCE_EXHAUSTED" } })).kind).toBe(
      "throttled",
    );
    expect(kindOf(new z.ZodError([]))).toMatchObject({ kind: "serviceError", wireCode: "INVALID_REPLY" });
  });
});
