import argon2 from 'argon2';

// OWASP Password Storage Cheat Sheet, argon2id: m = 19 MiB, t = 2, p = 1.
const ARGON2ID = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
// The test runner's cost: argon2id at 64 KiB and one pass, a few hundred times cheaper. A hash keeps
// its parameters, so either cost's hashes verify under the other.
const ARGON2ID_TEST = { type: argon2.argon2id, memoryCost: 64, timeCost: 1, parallelism: 1 } as const;

let cost: typeof ARGON2ID | typeof ARGON2ID_TEST = ARGON2ID;
let dummyHash: Promise<string> | undefined;

/**
 * Test runner only: the test harness lowers the hashing cost when it builds an app ('test'), or puts
 * production's back ('production'). Refused outside vitest, so no deployment can lower it.
 */
export function setPasswordCostForTests(which: 'test' | 'production'): void {
  if (process.env.VITEST !== 'true') throw new Error('the test password cost is for the test runner only');
  cost = which === 'test' ? ARGON2ID_TEST : ARGON2ID;
  dummyHash = undefined; // an unknown user's check costs what a known one's does
}

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, cost);

/**
 * Checks a password against a stored hash. With no hash (unknown user) it still verifies against a
 * dummy hash, so an unknown username costs the same time as a wrong password.
 */
export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  if (!hash) {
    dummyHash ??= hashPassword('hearth-dummy-password-for-equal-timing');
    await argon2.verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return argon2.verify(hash, password).catch(() => false);
}

/** Why a deployer-chosen password is weak, or undefined. Only warned about: the deployer decides. */
export function passwordWeakness(password: string): string | undefined {
  if (password.length < 12) return `it has ${password.length} characters; 12 or more are recommended`;
  if (new Set(password).size < 4) return 'it repeats too few distinct characters';
  return undefined;
}
