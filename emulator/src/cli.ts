// `npm run emulator`: start the emulator on 127.0.0.1:4566 (or --port), optionally seed the demo,
// print the endpoint once ready, and stop cleanly (every task process killed) on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { parseFaultRule } from './faults.js';
import { startEmulator, DEFAULT_TIME_SCALE } from './index.js';
import type { Emulator, EmulatorOptions, FaultRule } from './index.js';

const USAGE = `usage: npm run emulator -- [--port 4566] [--host 127.0.0.1] [--region us-east-1]
       [--seed demo] [--time-scale ${DEFAULT_TIME_SCALE}] [--runtime process|in-process] [--throttle] [--quiet]
       [--draining-counts-toward-maximum] [--task-start-seconds <s>] [--record-wire] [--fault '<fault rule JSON>' ...]`;

function parseCli(args: string[]): EmulatorOptions & { quiet: boolean } {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string', default: '4566' },
      host: { type: 'string', default: '127.0.0.1' },
      region: { type: 'string', default: 'us-east-1' },
      seed: { type: 'string' },
      'time-scale': { type: 'string' },
      runtime: { type: 'string', default: 'process' },
      throttle: { type: 'boolean', default: false },
      'record-wire': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'draining-counts-toward-maximum': { type: 'boolean', default: false },
      'task-start-seconds': { type: 'string' },
      fault: { type: 'string', multiple: true },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got ${values.port}`);
  if (values.seed !== undefined && values.seed !== 'demo')
    throw new Error(`--seed knows only "demo", got ${values.seed}`);
  if (values.runtime !== 'process' && values.runtime !== 'in-process') {
    throw new Error(`--runtime must be process or in-process, got ${values.runtime}`);
  }
  const options: EmulatorOptions & { quiet: boolean } = {
    port,
    host: values.host,
    region: values.region,
    taskRuntime: values.runtime,
    throttling: values.throttle,
    recordWire: values['record-wire'],
    quiet: values.quiet,
    drainingCountsTowardMaximum: values['draining-counts-toward-maximum'],
    ...(values['task-start-seconds'] !== undefined
      ? { taskStartSeconds: startSeconds(values['task-start-seconds']) }
      : {}),
  };
  if (values['time-scale'] !== undefined) {
    const scale = Number(values['time-scale']);
    if (!(scale > 0) || !Number.isFinite(scale))
      throw new Error(`--time-scale must be a positive number, got ${values['time-scale']}`);
    options.timeScale = scale;
  }
  if (values.seed === 'demo') options.seed = 'demo';
  if (values.fault) options.faults = values.fault.map(faultOption);
  return options;
}

/** One `--fault` value: a FaultRule as JSON, as `POST /_emulator/faults` takes it. */
function faultOption(text: string): FaultRule {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(
      `--fault takes a fault rule as JSON, e.g. '{"operation":"*","latencyMs":300}'; got ${text}`,
    );
  }
  try {
    return parseFaultRule(value);
  } catch (error) {
    throw new Error(`--fault ${text}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseCli>;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  const { quiet, ...emulatorOptions } = options;
  const emulator: Emulator = await startEmulator({
    ...emulatorOptions,
    // stdout carries only the ready lines, so scripts can read them; the rest goes to stderr.
    log: quiet ? () => undefined : (line) => process.stderr.write(`${line}\n`),
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`emulator: ${signal}, stopping\n`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  console.log(
    `emulator ready: ${emulator.endpoint} (region ${emulator.region}, time scale ${emulator.timeScale})`,
  );
  if (emulator.demo) {
    console.log(
      `demo listener: ${emulator.demo.listenerUrl} (cluster ${emulator.demo.cluster}, service ${emulator.demo.service})`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(
    `emulator: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});

function startSeconds(text: string): number {
  const value = Number(text);
  if (!(value >= 0) || !Number.isFinite(value))
    throw new Error(`--task-start-seconds must be a number >= 0, got ${text}`);
  return value;
}
