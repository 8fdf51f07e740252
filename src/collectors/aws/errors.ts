import { type Classification, type ErrorClassifier, kindOfStatus } from "../kit/errors.js";

/**
 * How AWS SDK v3 errors map onto the kit's error kinds. Service exceptions carry the wire code as `name` (and
 * `Code` for some query services) and the HTTP status in `$metadata.httpStatusCode`; credential provider
 * failures are `CredentialsProviderError`. Network failures are recognised by the kit itself.
 * Codes: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, and each service's Errors section.
 */
const DENIED_CODES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AuthorizationError",
  "UnauthorizedAccess",
  "AllAccessDisabled",
  "Forbidden",
]);

/** The request was well-formed but the caller's setup is not: credentials, signature, a region not enabled. */
const CONFIGURATION_CODES = new Set([
  "CredentialsProviderError",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidAccessKeyId",
  "InvalidToken",
  "AuthFailure",
  "OptInRequired",
  "InvalidRegion",
]);

const THROTTLED_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

const SERVICE_CODES = new Set([
  "InternalError",
  "InternalFailure",
  "InternalServerError",
  "InternalServiceError",
  "InternalServiceException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "ServiceFailure",
  "NotImplemented",
]);

/** The service error code of an SDK exception (`Code`, else its `name`), or undefined for plain errors. */
export function awsErrorCode(err: unknown): string | undefined {
  if (err && typeof err === "object") {
    const e = err as { name?: unknown; Code?: unknown };
    if (typeof e.Code === "string") return e.Code;
    if (typeof e.name === "string" && e.name !== "Error" && e.name !== "TypeError") return e.name;
  }
  return undefined;
}

function httpStatus(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata;
  return typeof meta?.httpStatusCode === "number" ? meta.httpStatusCode : undefined;
}

export const classifyAwsError: ErrorClassifier = (err): Classification | undefined => {
  const code = awsErrorCode(err);
  const status = httpStatus(err);
  const at = status !== undefined ? { status } : {};
  if (code !== undefined) {
    if (DENIED_CODES.has(code)) return { kind: "denied", code, ...at };
    if (CONFIGURATION_CODES.has(code)) return { kind: "invalidConfiguration", code, ...at };
    if (THROTTLED_CODES.has(code)) return { kind: "throttled", code, ...at };
    if (SERVICE_CODES.has(code)) return { kind: "serviceError", code, ...at };
    if (code.startsWith("NoSuch") || /NotFound/.test(code)) return { kind: "notFound", code, ...at };
  }
  if (status !== undefined) {
    // A 403 with an Invalid… code is a bad request or credential, not a missing permission.
    const kind =
      status === 403 && code?.startsWith("Invalid") ? "invalidConfiguration" : kindOfStatus(status);
    if (kind) return { kind, code: code ?? `HTTP${status}`, status };
  }
  return code !== undefined ? { kind: "serviceError", code } : undefined;
};
