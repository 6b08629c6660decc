import argon2 from 'argon2';

// OWASP Password Storage Cheat Sheet, argon2id: m = 19 MiB, t = 2, p = 1.
const ARGON2ID = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, ARGON2ID);

let dummyHash: Promise<string> | undefined;

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
