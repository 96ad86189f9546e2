// The error envelope every non-2xx answer carries:
// {code: <http status>, message, error: {type, code: <business code>, details}, timestamp}.

/** Business codes of the specification's error table (错误处理 §错误码定义) and the server contract. */
export const BusinessCode = {
  BadCredentials: 10001,
  UserNotFound: 10002,
  UserExists: 10003,
  TokenInvalid: 10004,
  TokenExpired: 10005,
  MeetingNotFound: 20001,
  MeetingEnded: 20002,
  MeetingFull: 20003,
  WrongPassword: 20004,
  PermissionDenied: 20005,
  Kicked: 20006,
} as const;

/** A failed REST call, with the HTTP status, the business code (when the server gave one) and Retry-After. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status; 0 when the request never reached the server. */
    readonly status: number,
    message: string,
    /** Business code such as 20004, or undefined. */
    readonly businessCode?: number,
    readonly type?: string,
    readonly details?: string,
    /** Seconds to wait before retrying (429 Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** True when the access token is the problem (refreshing may help). */
  get isAuthFailure(): boolean {
    return this.status === 401;
  }
}

/** Parses Retry-After given as seconds or as an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns an HTTP answer into the envelope's `data` or an {@link ApiError}.
 * `body` is the raw text so that a proxy's HTML error page still gives a sensible error.
 */
export function unwrapResponse<T>(status: number, body: string, retryAfter: string | null): T {
  let parsed: unknown;
  try {
    parsed = body === '' ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (status >= 200 && status < 300) {
    if (isRecord(parsed) && 'data' in parsed) return parsed['data'] as T;
    return undefined as T;
  }
  if (isRecord(parsed)) {
    const error = isRecord(parsed['error']) ? parsed['error'] : {};
    const businessCode = typeof error['code'] === 'number' ? error['code'] : undefined;
    const message = typeof parsed['message'] === 'string' ? parsed['message'] : `HTTP ${status}`;
    return throwError(new ApiError(
      status,
      message,
      businessCode,
      typeof error['type'] === 'string' ? error['type'] : undefined,
      typeof error['details'] === 'string' ? error['details'] : undefined,
      parseRetryAfter(retryAfter),
    ));
  }
  return throwError(new ApiError(status, `HTTP ${status}`, undefined, undefined, undefined, parseRetryAfter(retryAfter)));
}

function throwError(error: ApiError): never {
  throw error;
}
