/**
 * Delay before reconnect attempt `attempt` (1-based). The spec (心跳机制) says to retry 3 s after a
 * disconnect; the server keeps a session resumable for 15 s, so the first two attempts stay at 3 s to land
 * inside that window. Later attempts double up to `maxMs` with ±20% jitter so that a whole meeting
 * dropped by one server restart does not come back in lockstep.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Attempts after which the client gives up; Infinity to never give up. */
  maxAttempts: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 3_000, maxMs: 30_000, maxAttempts: 20 };

export function reconnectDelay(attempt: number, policy: BackoffPolicy = defaultBackoff, random: () => number = Math.random): number {
  if (attempt <= 2) return policy.initialMs;
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 2));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.min(policy.maxMs, Math.round(base * jitter));
}
