// Every emulator call an earlier run dumped (the e2e harness writes one JSON-lines file per emulator
// to .tmp/e2e-calls/ with writeCallRecords, from an emulator started with recordWire: true), checked
// against AWS's own service models (botocore's). Run after that run: `npm run test:records`.
// E2E_CALLS_DIR names another directory. Skipped, saying why, when there is nothing to check or
// botocore is not installed.
import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import {
  formatProblems,
  loadAwsModels,
  readCallRecords,
  validateCallRecords,
} from '../helpers/aws-model/index.js';
import { expectWith } from '../helpers/expect-with.js';

const dir = process.env['E2E_CALLS_DIR'] ?? fileURLToPath(new URL('../../.tmp/e2e-calls/', import.meta.url));
const files = readCallRecords(dir);
const records = files.reduce((n, f) => n + f.records.length, 0);
const loaded = loadAwsModels();

const skipReason =
  'missing' in loaded
    ? `AWS's service models are not here: ${loaded.missing}`
    : records === 0
      ? `no dumped emulator calls in ${dir} (run the e2e tests with call dumping first)`
      : undefined;
if (skipReason !== undefined) console.warn(`aws-model-records.test: SKIPPED: ${skipReason}`);
// `npm test` runs this after the e2e group, which dumps every call: nothing to check is a failure there.
if (process.env['E2E_CALLS_REQUIRED'] === '1' && records === 0) {
  describe('emulator calls dumped by the e2e group', () => {
    it('exist', () => {
      expect(`${records} calls in ${dir}`).toBe(
        'some calls (the e2e harness dumps every emulator’s calls at stop())',
      );
    });
  });
}

(skipReason === undefined ? describe : describe.skip)(`emulator calls dumped in ${dir}`, () => {
  it(`all ${records} calls in ${files.length} files follow AWS's models`, () => {
    const models = 'models' in loaded ? loaded.models : undefined;
    const problems = files.flatMap((f) =>
      validateCallRecords(f.records, (i) => `${f.file}:${i + 1}`, models),
    );
    expectWith(problems, formatProblems(problems)).toEqual([]);
    expect(records).toBeGreaterThan(0);
  });
});
