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

type Rule = (typeof RULES)[keyof typeof RULES];
type Stored = { tokens: number; updatedAt: number } | undefined;

interface Bucket {
  key: string;
  rule: Rule;
}

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
 * What a bucket key says of a username: a digest, so the table neither grows with what was typed
 * (an over-long name) nor keeps in clear text a password typed into the username field.
 */
const usernameKey = (username: string): string =>
  createHash('sha256').update(username).digest('hex').slice(0, 32);

export class LoginThrottle {
  constructor(
    private readonly repo: AuthRepository,
    private readonly now: () => number = Date.now,
  ) {}

  private async buckets(username: string, address: string, userId: string | undefined): Promise<Bucket[]> {
    const user = usernameKey(username);
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

  private static level(rule: Rule, stored: Stored, now: number): number {
    if (!stored) return rule.capacity;
    return Math.min(rule.capacity, stored.tokens + ((now - stored.updatedAt) / 1000) * rule.perSecond);
  }

  private static wait(rule: Rule, level: number): number {
    return Math.ceil((1 - level) / rule.perSecond);
  }

  /** Takes one try from a bucket: the level left afterwards, or the seconds to wait when it is empty. */
  private async spend(bucket: Bucket): Promise<{ left: number } | { wait: number }> {
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = (await this.repo.throttleBuckets([bucket.key])).get(bucket.key);
      const now = this.now();
      const level = LoginThrottle.level(bucket.rule, stored, now);
      if (level < 1) return { wait: LoginThrottle.wait(bucket.rule, level) };
      if (await this.repo.replaceThrottleBucket(bucket.key, stored, level - 1, now))
        return { left: level - 1 };
    }
    return { wait: 1 };
  }

  /** Gives a try back to a bucket (an attempt refused by another bucket, or a right password). */
  private async giveBack(bucket: Bucket): Promise<void> {
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = (await this.repo.throttleBuckets([bucket.key])).get(bucket.key);
      if (!stored) return; // an absent bucket is full
      const now = this.now();
      const level = Math.min(bucket.rule.capacity, LoginThrottle.level(bucket.rule, stored, now) + 1);
      if (await this.repo.replaceThrottleBucket(bucket.key, stored, level, now)) return;
    }
  }

  /**
   * Starts a login attempt: takes one try from each bucket, or none when one of them is empty
   * (then `retryAfter` says how long to wait).
   */
  async begin(username: string, address: string, userId?: string): Promise<LoginAttempt> {
    const buckets = await this.buckets(username, address, userId);
    const refused = (retryAfter: number): LoginAttempt => ({
      retryAfter: Math.max(1, retryAfter),
      failed: async () => 0,
      succeeded: async () => {},
    });

    // A read-only look first, so a refused attempt takes nothing from any bucket.
    const stored = await this.repo.throttleBuckets(buckets.map((b) => b.key));
    const now = this.now();
    let wait = 0;
    for (const b of buckets) {
      const level = LoginThrottle.level(b.rule, stored.get(b.key), now);
      if (level < 1) wait = Math.max(wait, LoginThrottle.wait(b.rule, level));
    }
    if (wait > 0) return refused(wait);

    const spent: Bucket[] = [];
    let pairLeft: number = RULES.pair.capacity;
    for (const b of buckets) {
      const result = await this.spend(b);
      if ('wait' in result) {
        // Emptied by a parallel attempt since the look above: undo this attempt's tries.
        for (const s of spent) await this.giveBack(s);
        return refused(result.wait);
      }
      if (b.rule === RULES.pair) pairLeft = result.left;
      spent.push(b);
    }

    return {
      retryAfter: 0,
      failed: async () => {
        const pairFailures = RULES.pair.capacity - pairLeft;
        return Math.min(2000, 250 * Math.max(0, Math.floor(pairFailures) - 2));
      },
      succeeded: async (id: string) => {
        const [pair, ...others] = spent;
        if (pair) await this.repo.deleteThrottleBucket(pair.key);
        for (const b of others) await this.giveBack(b);
        await this.repo.rememberLogin(id, address, this.now());
      },
    };
  }
}
