/**
 * Fixed one-minute windows per client. Small and in memory: each replica
 * counts its own clients (a shared store is the scale-out issue's concern).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts `count` operations (one request, or each of a batch); answers how many seconds to wait when the client is over `perMinute`. */
  take(client: string, perMinute: number, count = 1): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const minute = now - (now % 60_000);
    let window = this.windows.get(client);
    if (!window || window.start !== minute) {
      window = { start: minute, count: 0 };
      this.windows.set(client, window);
      if (this.windows.size > 100_000) this.sweep(minute);
    }
    window.count += count;
    if (window.count <= perMinute) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((minute + 60_000 - now) / 1000)) };
  }

  private sweep(current: number): void {
    for (const [client, window] of this.windows) if (window.start !== current) this.windows.delete(client);
  }
}
