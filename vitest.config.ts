import { defineConfig } from 'vitest/config';

// Two projects: `unit` never touches the network; `e2e` starts the emulator and runs dist/ as a child
// process, so it needs `npm run build` first (the `test` script does that).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['__tests__/**/*.test.ts'],
          exclude: ['__tests__/e2e/**', '__tests__/emulator/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'emulator',
          include: ['__tests__/emulator/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['__tests__/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          // Rollouts run real processes on a 2-core machine: keep files sequential.
          fileParallelism: false,
        },
      },
    ],
  },
});
