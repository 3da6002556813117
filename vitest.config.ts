import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Checks every test's stdout and stderr for credentials (test/support/secrets.ts).
    setupFiles: ['test/support/setup.ts'],
  },
});
