// What the action records on the service itself, as service tags, so that nothing depends on this
// process living: which run holds the service (the lease) and the service's own deployment
// settings while the action paces it with others. Pure: formats, parses and judges tag values.
//
// ECS tag rules: key <= 128, value <= 256 characters of letters, digits, spaces and `_ . : / = + - @`.
import type { DeploymentSettings } from './types.js';

export const LEASE_TAG = 'ecs-rolling-deploy:lease';
export const OWN_SETTINGS_TAG = 'ecs-rolling-deploy:settings';
const TAG_VALUE_LIMIT = 256;

/** Who a run is: enough to name it to a person, and an id no other run shares. */
export interface RunIdentity {
  /** Random, per run (main and its post step share it through the saved state). */
  id: string;
  /** `owner/repo/actions/runs/123/attempts/1`, or `local` outside a workflow run. */
  run: string;
}

export interface Lease {
  id: string;
  run: string;
  /** Expiry, ms since the epoch. */
  until: number;
}

export function formatLease(lease: Lease): string {
  const head = `id=${lease.id} until=${Math.floor(lease.until / 1000)} run=`;
  const run = sanitise(lease.run).slice(0, TAG_VALUE_LIMIT - head.length);
  return head + run;
}

export function parseLease(value: string | undefined): Lease | undefined {
  if (!value) return undefined;
  const m = /^id=(\S+) until=(\d+) run=(.*)$/.exec(value);
  if (!m) return undefined;
  return { id: m[1] ?? '', until: Number(m[2]) * 1000, run: m[3] ?? '' };
}

export type LeaseHolder =
  { kind: 'free'; expired?: Lease } | { kind: 'ours'; lease: Lease } | { kind: 'other'; lease: Lease };

/** Who holds the service now. An expired lease, or one that cannot be read, holds nothing. */
export function leaseHolder(tags: Readonly<Record<string, string>>, now: number, ourId: string): LeaseHolder {
  const lease = parseLease(tags[LEASE_TAG]);
  if (!lease) return { kind: 'free' };
  if (lease.id === ourId) return { kind: 'ours', lease };
  if (lease.until <= now) return { kind: 'free', expired: lease };
  return { kind: 'other', lease };
}

/** `run owner/repo/actions/runs/12/attempts/1 (https://github.com/…), until 10:32:05 UTC`. */
export function describeLease(lease: Lease, serverUrl = 'https://github.com'): string {
  const until = new Date(lease.until).toISOString().slice(11, 19);
  const url = /^[^/\s]+\/[^/\s]+\/actions\/runs\/\d+/.test(lease.run) ? ` (${serverUrl}/${lease.run})` : '';
  return `run ${lease.run}${url}, until ${until} UTC`;
}

/** `max=200 min=50 breaker=on rollback=on`, or without the breaker when the service has none. */
export function formatOwnSettings(settings: DeploymentSettings): string {
  const cb = settings.circuitBreaker;
  return (
    `max=${settings.maximumPercent} min=${settings.minimumHealthyPercent}` +
    (cb ? ` breaker=${cb.enable ? 'on' : 'off'} rollback=${cb.rollback ? 'on' : 'off'}` : '')
  );
}

export function parseOwnSettings(value: string | undefined): DeploymentSettings | undefined {
  if (!value) return undefined;
  const m = /^max=(\d+) min=(\d+)(?: breaker=(on|off) rollback=(on|off))?$/.exec(value);
  if (!m) return undefined;
  const settings: DeploymentSettings = { maximumPercent: Number(m[1]), minimumHealthyPercent: Number(m[2]) };
  if (m[3] !== undefined) settings.circuitBreaker = { enable: m[3] === 'on', rollback: m[4] === 'on' };
  return settings;
}

/** The identity of this run, from the runner's environment. */
export function runIdentity(env: NodeJS.ProcessEnv, id: string): RunIdentity {
  const repo = env['GITHUB_REPOSITORY'];
  const runId = env['GITHUB_RUN_ID'];
  const attempt = env['GITHUB_RUN_ATTEMPT'] ?? '1';
  const run = repo && runId ? `${repo}/actions/runs/${runId}/attempts/${attempt}` : 'local';
  return { id, run };
}

/** Characters ECS does not take in a tag value become `_`. */
function sanitise(text: string): string {
  return text.replace(/[^\p{L}\p{N}\p{Z}_.:/=+\-@]/gu, '_');
}
