import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashPassword, setPasswordCostForTests, verifyPassword } from '../../src/auth/passwords.js';
import { login, OPERATOR, startTestApp, type TestApp } from '../harness/index.js';

// The suite hashes at a test cost (test/harness/setup.ts); this file proves what production stores.
const PRODUCTION = /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/;

describe('password hashing cost', () => {
  let test: TestApp;
  beforeAll(async () => {
    setPasswordCostForTests('production');
    test = await startTestApp();
  });
  afterAll(async () => {
    await test?.close();
    setPasswordCostForTests('test');
  });

  it('stores an account password as argon2id with the OWASP parameters (m = 19 MiB, t = 2, p = 1)', async () => {
    const row = await test.app.ctx.database.db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', OPERATOR.username)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(PRODUCTION);
    expect((await login(test.app)).access_token).toBeTruthy();
  });

  it('hashes at production cost in a module the test runner never lowered', async () => {
    vi.resetModules();
    const fresh = await import('../../src/auth/passwords.js');
    expect(await fresh.hashPassword('a fresh module')).toMatch(PRODUCTION);
  });

  it('verifies hashes of either cost, since argon2 keeps the parameters in the hash', async () => {
    setPasswordCostForTests('test');
    try {
      const cheap = await hashPassword('correct horse battery staple');
      expect(cheap).toMatch(/^\$argon2id\$v=19\$m=64,p=1,t=1\$/);
      expect(await verifyPassword(cheap, 'correct horse battery staple')).toBe(true);
      expect(await verifyPassword(cheap, 'correct horse battery stapler')).toBe(false);
    } finally {
      setPasswordCostForTests('production');
    }
    const dear = await argon2.hash('correct horse battery staple', {
      type: argon2.argon2id,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
    expect(await verifyPassword(dear, 'correct horse battery staple')).toBe(true);
  });

  it('refuses the test cost outside the test runner', () => {
    const vitest = process.env.VITEST;
    process.env.VITEST = '';
    try {
      expect(() => setPasswordCostForTests('test')).toThrow(/test runner only/);
    } finally {
      process.env.VITEST = vitest;
    }
  });
});
