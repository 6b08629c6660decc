import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Integration tests start real servers and databases; argon2 hashing is deliberately slow.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
