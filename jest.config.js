// jest in native ESM mode, as actions/typescript-action runs it: the @actions packages are ESM-only,
// so ts-jest emits ESM (useESM) and node runs it with --experimental-vm-modules (package.json scripts).
// Four groups: `unit` never touches the network; `emulator` starts the local ECS + ELBv2; `e2e`
// runs the bundled dist/ as a child process against the emulator, after a fresh build; `records`
// checks the emulator calls a run dumped against AWS's models and against the IAM policies of
// docs/iam.md. `npm test` runs three e2e and three emulator files at a time on any machine: their
// runs wait far more than they compute (the lease's 2 s settle, the action's looks, the emulator's
// scaled clock), so on the 2-core machine a third worker fills idle cores: e2e 355 s on two
// workers, 235 s on three; emulator 59 s and 48 s (docs/development.md, "What the e2e runs wait
// for"). Each group's per-test timeout is set by its setup file.
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
};
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // Sources import each other as `./x.js` (NodeNext); jest must find the `.ts` beside it.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup/unit.ts'],
    },
    {
      ...common,
      displayName: 'emulator',
      testMatch: ['<rootDir>/__tests__/emulator/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup/emulator.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup/e2e.ts'],
      // Prints once which node runs dist/ (tools/node-runtime.ts), with a warning when it is not
      // the action's runtime.
      globalSetup: '<rootDir>/__tests__/setup/e2e-global.ts',
    },
    {
      // Validates the emulator calls an earlier run dumped to .tmp/e2e-calls/ against AWS's models and
      // the IAM policies of docs/iam.md (which also run plan mode against an emulator of their own).
      ...common,
      displayName: 'records',
      testMatch: ['<rootDir>/__tests__/records/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/__tests__/setup/records.ts'],
    },
  ],
};
