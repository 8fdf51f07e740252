import { AssayError } from "../core/errors.js";

/** An error that becomes an HTTP reply `{error: {code, message, field?}}` with its status. */
export class HttpError extends AssayError {
  readonly statusCode: number;
  readonly field?: string;
  /** Sent as a Retry-After header (429). */
  retryAfterSeconds?: number;
  constructor(statusCode: number, code: string, message: string, field?: string) {
    super(code, message);
    this.statusCode = statusCode;
    this.field = field;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}
