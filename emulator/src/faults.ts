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
    rules: () => active.map((a) => ({ ...a.rule })),
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

function validate(rule: FaultRule): void {
  if (!rule.operation) throw new TypeError('fault rule needs an operation (or "*")');
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) {
    throw new RangeError(`fault rate must be within 0..1, got ${rule.rate}`);
  }
  if (rule.latencyMs !== undefined && !(rule.latencyMs >= 0)) {
    throw new RangeError(`fault latencyMs must be >= 0, got ${rule.latencyMs}`);
  }
  if (!rule.error && !rule.drop && !rule.latencyMs) {
    throw new TypeError(`fault rule for ${rule.operation} does nothing: give error, latencyMs or drop`);
  }
}
