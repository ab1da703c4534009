// Fault injection: per operation, answer an AWS error at a given rate, add latency, or drop the
// connection without an answer (the SDK then sees a network error, as on a reset TCP connection).
import { AwsError } from './contracts.js';
import type { ServiceProtocol } from './contracts.js';

export interface FaultRule {
  /** Operation name (`DescribeServices`), or `*` for every operation. */
  operation: string;
  /** Limit the rule to one service; both when absent. */
  service?: ServiceProtocol['service'];
  /** Probability (0..1) that the rule fires on a matching call; 1 when absent. */
  rate?: number;
  /** The AWS error to answer with, e.g. `{ code: 'ServerException', httpStatus: 500 }`. */
  error?: { code: string; message?: string; httpStatus?: number };
  /** Real milliseconds added before the call is answered (or dropped). */
  latencyMs?: number;
  /** Destroy the socket instead of answering. */
  drop?: boolean;
  /** Fire at most this many times, then the rule is spent and removed. */
  times?: number;
}

/** What to do to one call: every firing rule contributes (latencies add up). */
export interface FaultDecision {
  latencyMs: number;
  drop: boolean;
  error?: AwsError;
}

export interface FaultInjector {
  add(rule: FaultRule): void;
  clear(): void;
  /** The rules in force, in the order added; `times` is what is left of a rule's firings. */
  rules(): FaultRule[];
  decide(service: ServiceProtocol['service'], operation: string): FaultDecision;
}

export function createFaultInjector(
  initial: FaultRule[] = [],
  random: () => number = Math.random,
): FaultInjector {
  let active: { rule: FaultRule; left: number }[] = [];
  const add = (rule: FaultRule): void => {
    validate(rule);
    active.push({ rule: { ...rule }, left: rule.times ?? Number.POSITIVE_INFINITY });
  };
  initial.forEach(add);

  return {
    add,
    clear() {
      active = [];
    },
    rules: () =>
      active.map((a) => (a.rule.times === undefined ? { ...a.rule } : { ...a.rule, times: a.left })),
    decide(service, operation) {
      const decision: FaultDecision = { latencyMs: 0, drop: false };
      for (const entry of active) {
        const { rule } = entry;
        if (rule.service !== undefined && rule.service !== service) continue;
        if (rule.operation !== '*' && rule.operation !== operation) continue;
        if (random() >= (rule.rate ?? 1)) continue;
        entry.left -= 1;
        decision.latencyMs += rule.latencyMs ?? 0;
        if (rule.drop) decision.drop = true;
        if (rule.error && !decision.error) {
          const status = rule.error.httpStatus ?? 400;
          decision.error = new AwsError(
            rule.error.code,
            rule.error.message ?? `Injected fault: ${rule.error.code}`,
            status,
          );
        }
      }
      active = active.filter((a) => a.left > 0);
      return decision;
    },
  };
}

/** The longest latency a rule may add (5 minutes): every wait in the emulator has a bound. */
export const MAX_FAULT_LATENCY_MS = 300_000;

function validate(rule: FaultRule): void {
  if (!rule.operation) throw new TypeError('fault rule needs an operation (or "*")');
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) {
    throw new RangeError(`fault rate must be within 0..1, got ${rule.rate}`);
  }
  if (rule.latencyMs !== undefined && !(rule.latencyMs >= 0 && rule.latencyMs <= MAX_FAULT_LATENCY_MS)) {
    throw new RangeError(`fault latencyMs must be within 0..${MAX_FAULT_LATENCY_MS}, got ${rule.latencyMs}`);
  }
  if (!rule.error && !rule.drop && !rule.latencyMs) {
    throw new TypeError(`fault rule for ${rule.operation} does nothing: give error, latencyMs or drop`);
  }
}

const RULE_KEYS = new Set(['operation', 'service', 'rate', 'error', 'latencyMs', 'drop', 'times']);
const ERROR_KEYS = new Set(['code', 'message', 'httpStatus']);

/**
 * A FaultRule from untrusted JSON (`POST /_emulator/faults`, `--fault`): every field checked for
 * its type and range, unknown fields refused, so a typo is an error rather than a rule that
 * silently does something else. Throws TypeError or RangeError naming the field.
 */
export function parseFaultRule(value: unknown): FaultRule {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('a fault rule is a JSON object');
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given))
    if (!RULE_KEYS.has(key))
      throw new TypeError(`unknown fault rule field "${key}" (known: ${[...RULE_KEYS].join(', ')})`);
  const { operation, service, rate, error, latencyMs, drop, times } = given;
  if (typeof operation !== 'string' || operation === '')
    throw new TypeError('fault rule needs an operation (a name such as "DescribeServices", or "*")');
  const rule: FaultRule = { operation };
  if (service !== undefined) {
    if (service !== 'ecs' && service !== 'elbv2' && service !== 'cloudwatch')
      throw new TypeError('fault service must be "ecs", "elbv2" or "cloudwatch"');
    rule.service = service;
  }
  if (rate !== undefined) {
    if (typeof rate !== 'number') throw new TypeError('fault rate must be a number within 0..1');
    rule.rate = rate;
  }
  if (latencyMs !== undefined) {
    if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs))
      throw new TypeError('fault latencyMs must be a number of milliseconds');
    rule.latencyMs = latencyMs;
  }
  if (drop !== undefined) {
    if (typeof drop !== 'boolean') throw new TypeError('fault drop must be true or false');
    rule.drop = drop;
  }
  if (times !== undefined) {
    if (typeof times !== 'number' || !Number.isInteger(times) || times < 1)
      throw new RangeError('fault times must be a whole number of at least 1');
    rule.times = times;
  }
  if (error !== undefined) rule.error = parseFaultError(error);
  validate(rule);
  return rule;
}

function parseFaultError(value: unknown): NonNullable<FaultRule['error']> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(
      'fault error must be an object: { "code": "...", "httpStatus": 500, "message": "..." }',
    );
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given))
    if (!ERROR_KEYS.has(key))
      throw new TypeError(`unknown fault error field "${key}" (known: ${[...ERROR_KEYS].join(', ')})`);
  const { code, message, httpStatus } = given;
  if (typeof code !== 'string' || code === '')
    throw new TypeError(
      'fault error needs a code, the AWS error code to answer (e.g. "ThrottlingException")',
    );
  const error: NonNullable<FaultRule['error']> = { code };
  if (message !== undefined) {
    if (typeof message !== 'string') throw new TypeError('fault error message must be a string');
    error.message = message;
  }
  if (httpStatus !== undefined) {
    if (
      typeof httpStatus !== 'number' ||
      !Number.isInteger(httpStatus) ||
      httpStatus < 400 ||
      httpStatus > 599
    )
      throw new RangeError('fault error httpStatus must be an HTTP error status, 400..599');
    error.httpStatus = httpStatus;
  }
  return error;
}
