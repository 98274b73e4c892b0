/**
 * Requests per principal per minute, so one caller (a runaway script, a compromised partner application)
 * cannot take the gateway from the others. A token bucket per user: a burst up to the minute's allowance,
 * refilled evenly. Per process: behind several replicas a caller gets each replica's allowance, which bounds
 * the load each one takes, the point of the limit.
 */
import type { Principal } from './principal.js';

export interface RateLimits {
  /** Requests a minute for any role not named in `byRole`. */
  perMinute: number;
  /** Requests a minute for particular roles of the ISP. */
  byRole?: Readonly<Record<string, number>>;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perMinute: 600 };

export type RateDecision = { allowed: true } | { allowed: false; limit: number; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full ones (callers idle for a minute) are forgotten. */
const PRUNE_AT = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  limitFor(role: string): number {
    return this.limits.byRole?.[role] ?? this.limits.perMinute;
  }

  take(principal: Principal): RateDecision {
    const limit = this.limitFor(principal.role);
    const perMs = limit / 60_000;
    const now = this.now();
    const key = `${principal.agency}\u0000${principal.userId}`;
    const bucket = this.buckets.get(key) ?? { tokens: limit, at: now };
    bucket.tokens = Math.min(limit, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > PRUNE_AT) this.prune(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      // Idle for a minute or more: the bucket would be full again, the same as a new one.
      if (now - bucket.at >= 60_000) this.buckets.delete(key);
    }
  }
}

export function rateLimitedMessage(decision: Extract<RateDecision, { allowed: false }>, role: string): string {
  return `Too many requests: ${role} may make ${decision.limit} a minute. Try again in ${decision.retryAfterSeconds} s.`;
}
