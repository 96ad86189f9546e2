import { ApiError, BusinessCode } from '../sdk';

/** A sentence a user can act on for any failure the SDK reports. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : 'Something went wrong.';
  switch (error.businessCode) {
    case BusinessCode.BadCredentials: return 'Wrong username or password.';
    case BusinessCode.UserNotFound: return 'There is no account with that username.';
    case BusinessCode.UserExists: return 'That username or email is already registered. Sign in instead, or pick another.';
    case BusinessCode.TokenInvalid:
    case BusinessCode.TokenExpired: return 'Your session has expired. Please sign in again.';
    case BusinessCode.MeetingNotFound: return 'No meeting has that code or link. Check it and try again.';
    case BusinessCode.MeetingEnded: return 'This meeting has ended.';
    case BusinessCode.MeetingFull: return 'This meeting is full. Try again when someone leaves.';
    case BusinessCode.WrongPassword: return 'Wrong meeting password.';
    case BusinessCode.PermissionDenied: return 'Only the host or a co-host can do that.';
    case BusinessCode.Kicked: return 'You were removed from this meeting and cannot rejoin it.';
    default: break;
  }
  switch (error.status) {
    case 0: return 'Cannot reach the server. Check your connection and try again.';
    case 401: return 'Please sign in again.';
    case 403: return 'You are not allowed to do that.';
    case 404: return 'Not found.';
    case 429: return error.retryAfterSeconds !== undefined
      ? `Too many requests. Try again in ${error.retryAfterSeconds} s.`
      : 'Too many requests. Try again shortly.';
    default:
      if (error.status >= 500) return 'The server had a problem. Try again in a moment.';
      return error.details !== undefined && error.details !== '' ? `${error.message}: ${error.details}` : error.message;
  }
}

/** A sentence for a getUserMedia / getDisplayMedia failure (Media Capture §9.2 error names). */
export function describeDeviceError(error: unknown, what: string): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Access to the ${what} was refused. Allow it in the browser's site settings to use it; you can still join without it.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} is in use by another application or could not be started.`;
    default:
      return `The ${what} could not be used${error instanceof Error && error.message !== '' ? `: ${error.message}` : '.'}`;
  }
}
