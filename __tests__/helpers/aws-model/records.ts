// Call-log records with wire capture (`startEmulator({ recordWire: true })`) against AWS's models,
// and a JSON-lines store for them, so one run (the e2e harness) can dump every emulator's calls and
// a later jest run (`npm run test:records`) can validate them all.
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CallRecord } from '../../../emulator/src/contracts.js';
import { checkJsonCall } from './json-call.js';
import { requireAwsModels } from './model.js';
import type { AwsModels } from './model.js';
import { reporter } from './problem.js';
import type { Problem } from './problem.js';
import { checkQueryCall } from './query-call.js';

/**
 * Every problem in `records`: each request against its operation's input shape, each answer
 * against its output shape or its error. A record without wire capture is itself a problem (it
 * cannot be checked, and must not pass as checked). Errors a test injected (fault injection) are
 * the test's choice: only their requests are checked. `source(i)` labels record i in the problems.
 * Throws when botocore's models are absent (check `loadAwsModels()` first to skip instead).
 */
export function validateCallRecords(
  records: readonly CallRecord[],
  source?: (index: number) => string,
  models: AwsModels = requireAwsModels(),
): Problem[] {
  const problems: Problem[] = [];
  records.forEach((record, i) => {
    const identity = {
      service: record.service,
      operation: record.operation,
      ...(source ? { source: source(i) } : {}),
    };
    const report = (part: Problem['part']) => reporter(problems, { ...identity, part });
    const model = models[record.service];
    const operation = model.operations[record.operation];
    if (!operation) {
      report('record')('$', `${record.operation} is not an operation of ${model.metadata.serviceId}`);
      return;
    }
    if (!record.wire) {
      report('record')('$', 'no wire capture: start the emulator with recordWire: true');
      return;
    }
    const call = {
      request: record.wire.request,
      status: record.status,
      ...(record.wire.response !== undefined && !record.wire.injected
        ? { response: record.wire.response }
        : {}),
    };
    const reports = { request: report('request'), response: report('response'), error: report('error') };
    // CloudWatch: AWS JSON 1.0 with its Query error codes (awsQueryCompatible), checked as JSON.
    if (record.service === 'ecs' || record.service === 'cloudwatch')
      checkJsonCall(model, operation, call, reports);
    else checkQueryCall(model, operation, call, reports);
  });
  return problems;
}

/** Writes `records` to `<dir>/<name>.jsonl`, one JSON record per line (the directory is created). */
export function writeCallRecords(dir: string, name: string, records: readonly CallRecord[]): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`writeCallRecords: '${name}' is not a plain file name`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + (records.length > 0 ? '\n' : ''));
  return file;
}

/** Every `*.jsonl` in `dir` (none when it does not exist), by file name; line i+1 holds records[i]. */
export function readCallRecords(dir: string): { file: string; records: CallRecord[] }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((file) => {
      const lines = readFileSync(join(dir, file), 'utf8').split('\n');
      const records = lines
        .map((line, i) => ({ line, i }))
        .filter(({ line }) => line.trim() !== '')
        .map(({ line, i }) => {
          const record = JSON.parse(line) as CallRecord;
          if (
            typeof record.operation !== 'string' ||
            (record.service !== 'ecs' && record.service !== 'elbv2' && record.service !== 'cloudwatch')
          )
            throw new Error(`${file}:${i + 1} is not a call record`);
          return record;
        });
      return { file, records };
    });
}
