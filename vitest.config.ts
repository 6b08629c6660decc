import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import { timeout } from './packages/server/test/harness/timeouts.js';

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
    // Stated for an idle machine and scaled by its load when the run starts (harness/timeouts.ts), so
    // a loaded shared machine gets the time it needs and a hang still fails; slow files scale their
    // own with timeout(ms) from the harness.
    testTimeout: timeout(30_000),
    hookTimeout: timeout(60_000),
    pool: 'forks',
    // Files share a worker's module graph instead of importing the server afresh each (2-3 s of CPU
    // a file). Every test builds its own app and database, so nothing of one file reaches another.
    isolate: false,
    // Most of a file's time is spent waiting (fsync, sockets, child processes), so on SQLite one
    // file per core leaves the cores idle (vitest's default is cores - 1): one more than the cores.
    // On PostgreSQL the server needs the cores too: one per core. On the 2-core machine, SQLite's
    // pass took 294 s with 3 workers against 376 s with 2, PostgreSQL's 342 s with 3 against 292 s
    // with 2 (docs/benchmarks.md, "Test suite time").
    maxWorkers:
      Number(process.env.HEARTH_TEST_WORKERS) ||
      (onPostgres ? Math.max(2, availableParallelism()) : availableParallelism() + 1),
  },
});
