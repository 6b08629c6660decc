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
 */
const RULES = {
  pair: { capacity: 5, perSecond: 1 / 60 },
  address: { capacity: 30, perSecond: 1 / 10 },
  account: { capacity: 10, perSecond: 90 / 3600 },
} as const;

const KNOWN_ADDRESS_DAYS = 30;

interface Bucket {
  key: string;
  rule: (typeof RULES)[keyof typeof RULES];
}

export class LoginThrottle {
  constructor(
    private readonly repo: AuthRepository,
    private readonly now: () => number = Date.now,
  ) {}

  private async buckets(username: string, address: string, userId: string | undefined): Promise<Bucket[]> {
    const buckets: Bucket[] = [
      { key: `pair:${username}|${address}`, rule: RULES.pair },
      { key: `addr:${address}`, rule: RULES.address },
    ];
    const known =
      userId !== undefined &&
      (await this.repo.isKnownLogin(userId, address, this.now() - KNOWN_ADDRESS_DAYS * 86_400_000));
    if (!known) buckets.push({ key: `acct:${username}`, rule: RULES.account });
    return buckets;
  }

  private async levels(buckets: Bucket[]): Promise<number[]> {
    const stored = await this.repo.throttleBuckets(buckets.map((b) => b.key));
    const now = this.now();
    return buckets.map((b) => {
      const s = stored.get(b.key);
      if (!s) return b.rule.capacity;
      return Math.min(b.rule.capacity, s.tokens + ((now - s.updatedAt) / 1000) * b.rule.perSecond);
    });
  }

  /** Seconds to wait before another attempt is allowed, or 0 when it may go ahead. */
  async retryAfter(username: string, address: string, userId?: string): Promise<number> {
    const buckets = await this.buckets(username, address, userId);
    const levels = await this.levels(buckets);
    let wait = 0;
    buckets.forEach((b, i) => {
      const level = levels[i] ?? b.rule.capacity;
      if (level < 1) wait = Math.max(wait, Math.ceil((1 - level) / b.rule.perSecond));
    });
    return wait;
  }

  /** Records a failed attempt; returns how long to hold the answer back (ms), growing with failures. */
  async recordFailure(username: string, address: string, userId?: string): Promise<number> {
    const buckets = await this.buckets(username, address, userId);
    const levels = await this.levels(buckets);
    const now = this.now();
    for (const [i, b] of buckets.entries()) {
      await this.repo.saveThrottleBucket(b.key, Math.max(0, (levels[i] ?? b.rule.capacity) - 1), now);
    }
    const pairFailures = RULES.pair.capacity - Math.max(0, (levels[0] ?? RULES.pair.capacity) - 1);
    return Math.min(2000, 250 * Math.max(0, Math.floor(pairFailures) - 2));
  }

  async recordSuccess(username: string, address: string, userId: string): Promise<void> {
    await this.repo.deleteThrottleBucket(`pair:${username}|${address}`);
    await this.repo.rememberLogin(userId, address, this.now());
  }
}
