import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

// `*.unit.test.ts` files open no database (pure computations, the simulator, config parsing): they
// run in the SQLite pass only, since a PostgreSQL pass would run the very same code again.
const onPostgres = Boolean(process.env.HEARTH_TEST_DATABASE_URL);

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(onPostgres ? ['**/*.unit.test.ts'] : [])],
    // Migrates a template database once per run; each test database is a copy of it.
    globalSetup: ['packages/server/test/harness/global-setup.ts'],
    // Lowers argon2's cost for the test runner only (production's is proved in auth/password-cost.test.ts).
    setupFiles: ['packages/server/test/harness/setup.ts'],
    // Integration tests start real servers and databases.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Files share a worker's module graph instead of importing the server afresh each (2-3 s of CPU
    // a file). Every test builds its own app and database, so nothing of one file reaches another.
    isolate: false,
    // Most of a file's time is spent waiting (fsync, PostgreSQL, sockets, child processes), so on a
    // small machine one file per core leaves the cores idle; vitest's default is cores - 1.
    maxWorkers: Number(process.env.HEARTH_TEST_WORKERS) || Math.max(2, availableParallelism()),
  },
});
