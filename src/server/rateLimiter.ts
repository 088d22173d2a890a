// Per-token request budget: a token bucket in memory, refilled continuously. Each server instance keeps its own, so
// behind a load balancer a token gets up to N times the rate; that is fine for a guard against runaway clients,
// which is all it is (budgets are money, counted in the database; this is requests per second).

export interface RateLimitOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: the burst a quiet client may send at once. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { ratePerSecond: 20, burst: 40 };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: RateLimitOptions,
    /** Milliseconds, monotonic; injected for tests. */
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Takes one request from `key`'s bucket: 0 when allowed, else the ms until the next one would be. */
  take(key: string): number {
    const now = this.nowMs();
    const { ratePerSecond, burst } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) * ratePerSecond) / 1000);
    bucket.updatedMs = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.prune(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / ratePerSecond);
  }

  /** Forgets buckets that have refilled completely: they are the same as no bucket. */
  private prune(now: number): void {
    const fullAfterMs = (this.options.burst * 1000) / this.options.ratePerSecond;
    for (const [key, b] of this.buckets) if (now - b.updatedMs >= fullAfterMs) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}
