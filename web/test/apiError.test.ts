import { describe, expect, it } from 'vitest';
import { ApiError, parseRetryAfter, unwrapResponse } from '../src/sdk/apiError';

function catchError(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('unwrapResponse', () => {
  it('returns the data of a success envelope', () => {
    const body = JSON.stringify({ code: 200, message: 'success', data: { user_id: 1, username: 'user123' }, timestamp: '2025-10-01T10:00:00Z' });
    expect(unwrapResponse(200, body, null)).toEqual({ user_id: 1, username: 'user123' });
  });

  it('returns undefined for an empty 204 answer', () => {
    expect(unwrapResponse(204, '', null)).toBeUndefined();
  });

  it('turns an error envelope into an ApiError with the business code', () => {
    const body = JSON.stringify({
      code: 403, message: 'Wrong meeting password',
      error: { type: 'Forbidden', code: 20004, details: 'password mismatch' }, timestamp: '2025-10-01T10:00:00Z',
    });
    const error = catchError(() => unwrapResponse(403, body, null));
    expect(error.status).toBe(403);
    expect(error.businessCode).toBe(20004);
    expect(error.message).toBe('Wrong meeting password');
    expect(error.type).toBe('Forbidden');
    expect(error.details).toBe('password mismatch');
  });

  it('keeps the Retry-After seconds of a 429', () => {
    const body = JSON.stringify({ code: 429, message: 'Too many requests', error: { type: 'RateLimited' } });
    const error = catchError(() => unwrapResponse(429, body, '7'));
    expect(error.retryAfterSeconds).toBe(7);
    expect(error.businessCode).toBeUndefined();
  });

  it('gives an error with the status when a proxy answers with HTML', () => {
    const error = catchError(() => unwrapResponse(502, '<html>Bad gateway</html>', null));
    expect(error.status).toBe(502);
    expect(error.message).toBe('HTTP 502');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates and ignores garbage', () => {
    const now = Date.parse('2025-10-01T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Wed, 01 Oct 2025 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
