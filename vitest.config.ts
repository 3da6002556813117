// Test runner settings for `npm test` and CI.
import { defineConfig } from 'vitest/config';

// A hang guard, not a speed requirement: far above what the slowest test takes on a busy
// 2-core machine (a cold generator run there is under a minute), so load never trips it, and a
// test that hangs for good still ends the run instead of holding CI until its own limit.
const HANG_GUARD_MS = 15 * 60_000;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: HANG_GUARD_MS,
    hookTimeout: HANG_GUARD_MS,
    // Two files at a time even on a 2-core machine (vitest's default there is one): many files
    // spend much of their time waiting on child processes and sockets, and every test picks its
    // own ports (port 0) and scratch folders (mkdtemp), so files do not share state.
    maxWorkers: 2,
    // vitest prints the slowest tests (over this many ms) in its summary, which is where a
    // regression in the suite's time shows first.
    slowTestThreshold: 10_000,
    // Checks every test's stdout and stderr for credentials (test/support/secrets.ts).
    setupFiles: ['test/support/setup.ts'],
  },
});
