// Pure rules of ELBv2 target health, from the Application Load Balancers User Guide, "Health checks
// for your target groups" (target health status and reason codes) and the API reference's
// TargetHealth. No timers and no I/O here: health-checker.ts feeds probe outcomes in.
import type { TargetHealthView } from '../contracts.js';

/** One health-check probe's outcome. */
export type ProbeOutcome =
  | { ok: true; status: number }
  | { ok: false; kind: 'code'; status: number }
  | { ok: false; kind: 'timeout' }
  | { ok: false; kind: 'connection'; detail: string };

export interface Thresholds {
  healthy: number;
  unhealthy: number;
}

/** A registered target's health plus the consecutive-result counters the rules need. */
export interface HealthRecord {
  view: TargetHealthView;
  successes: number;
  failures: number;
  /** Status codes of the current run of failures, for the ResponseCodeMismatch description. */
  failedCodes: number[];
}

// Descriptions as the API answers them (the guide's reason-code table).
export const DESCRIPTIONS = {
  'Elb.RegistrationInProgress': 'Target registration is in progress',
  'Elb.InitialHealthChecking': 'Initial health checks in progress',
  'Target.Timeout': 'Request timed out',
  'Target.FailedHealthChecks': 'Health checks failed',
  'Target.DeregistrationInProgress': 'Target deregistration is in progress',
  'Target.NotRegistered': 'Target is not registered to the target group',
  'Target.NotInUse': 'Target group is not configured to receive traffic from the load balancer',
} as const;

type Reason = keyof typeof DESCRIPTIONS;

export function view(state: TargetHealthView['state'], reason?: Reason): TargetHealthView {
  return reason === undefined ? { state } : { state, reason, description: DESCRIPTIONS[reason] };
}

/** Just registered: `initial` / Elb.RegistrationInProgress until the first probe is sent. */
export function registered(): HealthRecord {
  return { view: view('initial', 'Elb.RegistrationInProgress'), successes: 0, failures: 0, failedCodes: [] };
}

/** The first probe went out: the load balancer is now "performing the initial health checks". */
export function checkingStarted(record: HealthRecord): HealthRecord {
  if (record.view.reason !== 'Elb.RegistrationInProgress') return record;
  return { ...record, view: view('initial', 'Elb.InitialHealthChecking') };
}

/**
 * Apply one probe outcome.
 * - A newly registered target "must pass one health check to be considered healthy" (guide).
 * - A target leaves service after UnhealthyThresholdCount consecutive failures, and an unhealthy
 *   target is put back after HealthyThresholdCount consecutive successes (guide, settings table).
 * - Unhealthy reasons: Target.ResponseCodeMismatch ("Health checks failed with these codes:
 *   [code]"), Target.Timeout, Target.FailedHealthChecks for connection errors (TargetHealth).
 */
export function applyProbe(
  record: HealthRecord,
  outcome: ProbeOutcome,
  thresholds: Thresholds,
): HealthRecord {
  const state = record.view.state;
  if (outcome.ok) {
    const successes = record.successes + 1;
    const next: HealthRecord = { ...record, successes, failures: 0, failedCodes: [] };
    if (state === 'initial') return { ...next, view: view('healthy') };
    if (state === 'unhealthy' && successes >= thresholds.healthy) return { ...next, view: view('healthy') };
    return next;
  }
  const failures = record.failures + 1;
  const failedCodes =
    outcome.kind === 'code' && !record.failedCodes.includes(outcome.status)
      ? [...record.failedCodes, outcome.status]
      : record.failedCodes;
  const next: HealthRecord = { ...record, successes: 0, failures, failedCodes };
  if (state === 'unhealthy' || failures >= thresholds.unhealthy) {
    return { ...next, view: unhealthyView(outcome, failedCodes) };
  }
  return next;
}

function unhealthyView(outcome: Exclude<ProbeOutcome, { ok: true }>, codes: number[]): TargetHealthView {
  switch (outcome.kind) {
    case 'code':
      return {
        state: 'unhealthy',
        reason: 'Target.ResponseCodeMismatch',
        description: `Health checks failed with these codes: [${codes.join(',')}]`,
      };
    case 'timeout':
      return view('unhealthy', 'Target.Timeout');
    case 'connection':
      return view('unhealthy', 'Target.FailedHealthChecks');
  }
}

export function sameView(a: TargetHealthView, b: TargetHealthView): boolean {
  return a.state === b.state && a.reason === b.reason && a.description === b.description;
}

// ---------------------------------------------------------------------------------------------
// Matcher.HttpCode: "You can specify values or ranges of values between 200 and 499 ... multiple
// values (for example, "200,202") or a range of values (for example, "200-299")" (CreateTargetGroup).

export type CodeMatcher = (status: number) => boolean;

/** Parse `200`, `200-399`, `200,302` or a mix; undefined when the text is not a valid matcher. */
export function parseHttpCodeMatcher(text: string): CodeMatcher | undefined {
  const ranges: [number, number][] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$/.exec(part);
    if (!m) return undefined;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (low < 200 || high > 499 || high < low) return undefined;
    ranges.push([low, high]);
  }
  return (status) => ranges.some(([low, high]) => status >= low && status <= high);
}
