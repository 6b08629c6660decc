import { createHash } from 'node:crypto';
import type { AuthRepository } from './repository.js';

/**
 * Token buckets against password guessing (OWASP ASVS: at most 100 failed attempts per account per
 * hour), kept in the database so every API node shares them. Three buckets per attempt:
 * - the account from this address: 5 tries, then one a minute (slows a user who mistypes);
 * - the address, whatever the account: 30 tries, then one every 10 s (credential stuffing);
 * - the account from anywhere: 10 tries, then 90 an hour. This one is skipped for an address
 *   where this user logged in successfully in the last 30 days, so an attacker hammering the
 *   account from elsewhere cannot lock its owner out.
 * A full bucket refuses with 429 and Retry-After; a draining one delays the failure answer.
 * Logins and password changes (PUT /users/me/password) spend from the same buckets: a stolen
 * access token is not a second, unthrottled way to guess the password.
 *
 * A try is taken from every bucket before the password is checked (and given back when it was
 * right): checking first and counting after would let a burst of parallel guesses all pass the
 * check before the first of them failed.
 */
const RULES = {
  pair: { capacity: 5, perSecond: 1 / 60 },
  address: { capacity: 30, perSecond: 1 / 10 },
  account: { capacity: 10, perSecond: 90 / 3600 },
} as const;

const KNOWN_ADDRESS_DAYS = 30;
/** Lost compare-and-set races before an attempt is refused anyway (fail closed under a flood). */
const MAX_RACES = 25;

/** A bucket's size and refill: `capacity` tries, then `perSecond` more each second. */
export interface BucketRule {
  capacity: number;
  perSecond: number;
}
type Stored = { tokens: number; updatedAt: number } | undefined;

/** One bucket: its key in the shared table (prefixed by what it counts) and its rule. */
export interface Bucket {
  key: string;
  rule: BucketRule;
}

/** Tries taken from buckets (all or none); `left` is each bucket's level afterwards, in order. */
export type Taken = { retryAfter: 0; spent: Bucket[]; left: number[] } | { retryAfter: number };

/** One login attempt that passed the throttle; exactly one of its two methods is called. */
export interface LoginAttempt {
  /** Seconds to wait before trying again; 0 when this attempt may go ahead. */
  retryAfter: number;
  /** The password was wrong: the tries stay spent. Returns how long to hold the answer back (ms). */
  failed(): Promise<number>;
  /** The password was right: the tries are given back and this address becomes known for the user. */
  succeeded(userId: string): Promise<void>;
}

/**
 * What a bucket key says of a username or an email address: a digest, so the table neither grows
 * with what was typed (an over-long name) nor keeps in clear text a password typed into the
 * username field, or someone's address.
 */
export const digestKey = (value: string): string =>
  createHash('sha256').update(value).digest('hex').slice(0, 32);

/** A bucket's tries now: what was stored plus the refill since, at most its capacity (absent: full). */
export function bucketLevel(rule: BucketRule, stored: Stored, now: number): number {
  if (!stored) return rule.capacity;
  return Math.min(rule.capacity, stored.tokens + ((now - stored.updatedAt) / 1000) * rule.perSecond);
}

/** Seconds until a bucket at `level` has one whole try again. */
export function bucketWait(rule: BucketRule, level: number): number {
  return Math.ceil((1 - level) / rule.perSecond);
}

/**
 * Token buckets in the database (login_throttle), shared by every API node, for any attempt worth
 * limiting: logins, password changes, reset requests, invitation probes. Each feature names its
 * buckets with its own key prefix.
 */
export class TokenBuckets {
  constructor(
    private readonly repo: AuthRepository,
    private readonly now: () => number = Date.now,
  ) {}

  private static level = bucketLevel;
  private static wait = bucketWait;

  /** Takes one try from a bucket: the level left afterwards, or the seconds to wait when it is empty. */
  private async spend(bucket: Bucket): Promise<{ left: number } | { wait: number }> {
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = (await this.repo.throttleBuckets([bucket.key])).get(bucket.key);
      const now = this.now();
      const level = TokenBuckets.level(bucket.rule, stored, now);
      if (level < 1) return { wait: TokenBuckets.wait(bucket.rule, level) };
      if (await this.repo.replaceThrottleBucket(bucket.key, stored, level - 1, now))
        return { left: level - 1 };
    }
    return { wait: 1 };
  }

  /** Gives a try back to a bucket (an attempt refused by another bucket, or one that succeeded). */
  async giveBack(bucket: Bucket): Promise<void> {
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = (await this.repo.throttleBuckets([bucket.key])).get(bucket.key);
      if (!stored) return; // an absent bucket is full
      const now = this.now();
      const level = Math.min(bucket.rule.capacity, TokenBuckets.level(bucket.rule, stored, now) + 1);
      if (await this.repo.replaceThrottleBucket(bucket.key, stored, level, now)) return;
    }
  }

  /**
   * Fills a bucket up again (a right password). The row is kept, full, rather than deleted, so the
   * next failure of this pair updates a row instead of adding one.
   */
  async refill(bucket: Bucket): Promise<void> {
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = (await this.repo.throttleBuckets([bucket.key])).get(bucket.key);
      if (!stored) return; // an absent bucket is full
      if (await this.repo.replaceThrottleBucket(bucket.key, stored, bucket.rule.capacity, this.now())) return;
    }
  }

  /**
   * Takes one try from each bucket, or none when one of them is empty: then `retryAfter` (at least
   * 1) says how many seconds until every bucket has a try again.
   */
  async take(buckets: Bucket[]): Promise<Taken> {
    // A read-only look first, so a refused attempt takes nothing from any bucket.
    const stored = await this.repo.throttleBuckets(buckets.map((b) => b.key));
    const now = this.now();
    let wait = 0;
    for (const b of buckets) {
      const level = TokenBuckets.level(b.rule, stored.get(b.key), now);
      if (level < 1) wait = Math.max(wait, TokenBuckets.wait(b.rule, level));
    }
    if (wait > 0) return { retryAfter: Math.max(1, wait) };

    const spent: Bucket[] = [];
    const left: number[] = [];
    for (const b of buckets) {
      const result = await this.spend(b);
      if ('wait' in result) {
        // Emptied by a parallel attempt since the look above: undo this attempt's tries.
        for (const s of spent) await this.giveBack(s);
        return { retryAfter: Math.max(1, result.wait) };
      }
      spent.push(b);
      left.push(result.left);
    }
    return { retryAfter: 0, spent, left };
  }
}

export class LoginThrottle {
  private readonly buckets: TokenBuckets;

  constructor(
    private readonly repo: AuthRepository,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new TokenBuckets(repo, now);
  }

  private async bucketsOf(username: string, address: string, userId: string | undefined): Promise<Bucket[]> {
    const user = digestKey(username);
    const buckets: Bucket[] = [
      { key: `pair:${user}|${address}`, rule: RULES.pair },
      { key: `addr:${address}`, rule: RULES.address },
    ];
    const known =
      userId !== undefined &&
      (await this.repo.isKnownLogin(userId, address, this.now() - KNOWN_ADDRESS_DAYS * 86_400_000));
    if (!known) buckets.push({ key: `acct:${user}`, rule: RULES.account });
    return buckets;
  }

  /**
   * Starts a login attempt (or a password change's check of the current password): takes one try
   * from each bucket, or none when one of them is empty (then `retryAfter` says how long to wait).
   */
  async begin(username: string, address: string, userId?: string): Promise<LoginAttempt> {
    const taken = await this.buckets.take(await this.bucketsOf(username, address, userId));
    if (taken.retryAfter > 0 || !('spent' in taken)) {
      return { retryAfter: taken.retryAfter, failed: async () => 0, succeeded: async () => {} };
    }
    const { spent, left } = taken;
    const pairLeft = left[0] ?? RULES.pair.capacity;
    return {
      retryAfter: 0,
      failed: async () => {
        const pairFailures = RULES.pair.capacity - pairLeft;
        return Math.min(2000, 250 * Math.max(0, Math.floor(pairFailures) - 2));
      },
      succeeded: async (id: string) => {
        const [pair, ...others] = spent;
        if (pair) await this.buckets.refill(pair);
        for (const b of others) await this.buckets.giveBack(b);
        await this.repo.rememberLogin(id, address, this.now());
      },
    };
  }
}
