/**
 * Fargate's launch quotas, kept on our side so that a mass relaunch (a campaign start, a fleet
 * recovering from an AZ outage) is paced instead of throttled. AWS counts both with token buckets
 * per account and Region ("AWS Fargate throttling quotas"): the RunTask API at 20 calls per second
 * (burst and sustained), and Fargate tasks at a burst of 100, refilled at 20 per second. Time comes
 * from an injected clock and waiting from an injected sleep, so tests run on virtual time.
 *
 * These buckets pace one process. Several launchers at once (concurrent Lambdas) share AWS's
 * buckets but not these: throttling that still happens is retried with backoff by the launcher.
 */
import type { Clock } from '../clock.js';
import { ValidationError, type FieldIssue } from '../errors.js';

/** The launch rates to stay within. */
export interface FargateLimits {
  /** RunTask calls per second (the bucket holds as many: burst = sustained). */
  runTaskCallsPerSec: number;
  /** Tasks that may be launched at once from a full bucket. */
  taskBurst: number;
  /** Tasks per second the bucket refills with. */
  tasksPerSec: number;
}

/** Fargate's default quotas (Service Quotas can raise them per account). */
export const FARGATE_LIMITS: Readonly<FargateLimits> = { runTaskCallsPerSec: 20, taskBurst: 100, tasksPerSec: 20 };

/**
 * A token bucket that takes reservations: `reserve(n)` takes `n` tokens at once, going into debt
 * when there are not enough, and says how long the caller must wait before acting. Callers who
 * reserve one after the other therefore queue up in order, without locks, even when they wait
 * concurrently.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSec: number,
    private readonly clock: Clock,
  ) {
    const issues: FieldIssue[] = [];
    if (!Number.isFinite(capacity) || capacity <= 0) issues.push({ path: 'capacity', message: `expected a number of tokens > 0, found ${capacity}` });
    if (!Number.isFinite(refillPerSec) || refillPerSec <= 0)
      issues.push({ path: 'refillPerSec', message: `expected tokens per second > 0, found ${refillPerSec}` });
    if (issues.length > 0) throw new ValidationError(issues, 'TokenBucket');
    this.tokens = capacity;
    this.updatedAt = clock.now();
  }

  /**
   * Takes `n` tokens and returns the milliseconds to wait before using them (0: at once).
   * @throws ValidationError when `n` is not between 1 and the capacity (it could never be served).
   */
  reserve(n = 1): number {
    if (!Number.isFinite(n) || n < 1 || n > this.capacity) {
      throw new ValidationError([{ path: 'n', message: `expected 1 to ${this.capacity} tokens, found ${n}` }], 'TokenBucket.reserve');
    }
    this.refill();
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.refillPerSec) * 1000);
  }

  /** Tokens in the bucket now (negative while reservations wait for tokens). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.refillPerSec);
      this.updatedAt = now;
    }
  }
}

/** Waits `ms` milliseconds of real time. */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Paces RunTask calls within both of Fargate's buckets. */
export class FargateLaunchLimiter {
  private readonly calls: TokenBucket;
  private readonly tasks: TokenBucket;

  constructor(
    clock: Clock,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
    readonly limits: FargateLimits = FARGATE_LIMITS,
  ) {
    this.calls = new TokenBucket(limits.runTaskCallsPerSec, limits.runTaskCallsPerSec, clock);
    this.tasks = new TokenBucket(limits.taskBurst, limits.tasksPerSec, clock);
  }

  /**
   * Reserves one RunTask call launching `tasks` tasks and resolves when it may be made. Returns the
   * milliseconds it waited.
   */
  async acquire(tasks = 1): Promise<number> {
    const wait = Math.max(this.calls.reserve(1), this.tasks.reserve(tasks));
    if (wait > 0) await this.sleep(wait);
    return wait;
  }
}
