/**
 * Per-address limits on the MQTT listener: a token bucket for new connections, and a window of failed
 * logins after which an address is refused for the rest of the window (brute force on device secrets).
 */

export interface RateLimitOptions {
  readonly connectsPerSecond: number;
  readonly burst: number;
  readonly failedAuthLimit: number;
  readonly failedAuthWindowSeconds: number;
}

export interface RateLimiter {
  /** Takes a token for a new connection from `address`; false when the bucket is empty. */
  allowConnect(address: string, now: number): boolean;
  recordFailedAuth(address: string, now: number): void;
  /** True while `address` has too many failed logins in the current window. */
  isLockedOut(address: string, now: number): boolean;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

interface Failures {
  count: number;
  windowStart: number;
}

/** Addresses are forgotten once idle, so the maps cannot grow without bound. */
const MAX_TRACKED = 100_000;

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const failures = new Map<string, Failures>();
  const windowMs = options.failedAuthWindowSeconds * 1000;

  function prune<V>(map: Map<string, V>): void {
    if (map.size < MAX_TRACKED) return;
    // Map iteration is insertion order: drop the oldest half.
    let n = map.size / 2;
    for (const key of map.keys()) {
      if (n-- <= 0) break;
      map.delete(key);
    }
  }

  return {
    allowConnect(address, now) {
      let bucket = buckets.get(address);
      if (!bucket) {
        prune(buckets);
        bucket = { tokens: options.burst, updatedAt: now };
        buckets.set(address, bucket);
      }
      const refill = ((now - bucket.updatedAt) / 1000) * options.connectsPerSecond;
      bucket.tokens = Math.min(options.burst, bucket.tokens + refill);
      bucket.updatedAt = now;
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    recordFailedAuth(address, now) {
      const current = failures.get(address);
      if (!current || now - current.windowStart >= windowMs) {
        prune(failures);
        failures.set(address, { count: 1, windowStart: now });
      } else {
        current.count++;
      }
    },
    isLockedOut(address, now) {
      const current = failures.get(address);
      if (!current) return false;
      if (now - current.windowStart >= windowMs) {
        failures.delete(address);
        return false;
      }
      return current.count >= options.failedAuthLimit;
    },
  };
}
