import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Migrates a template database once per run; each test database is a copy of it.
    globalSetup: ['packages/server/test/harness/global-setup.ts'],
    // Integration tests start real servers and databases; argon2 hashing is deliberately slow.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Lowers argon2's cost for the test runner only (production's is proved in auth/password-cost.test.ts).
    setupFiles: ['packages/server/test/harness/setup.ts'],
  },
});
