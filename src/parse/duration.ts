// Durations with units: `90s`, `10m`, `1h`, `1h30m`, `2m30s`. A bare number is refused because
// nobody can tell whether `10` means seconds or minutes.
import { bad, ok, type Parsed } from './result.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000 } as const;

/** Longer than any GitHub-hosted job may run (6 h) with room; also below Node's timer limit (~24.8 days). */
const MAX_DURATION_MS = 24 * UNIT_MS.h;

const FIX = 'write a whole number with a unit, h, m or s, largest first (e.g. 90s, 10m, 1h30m), at most 24h';

/** Parses a duration into milliseconds; zero only where `allowZero` (e.g. bake-time: 0s). */
export function parseDuration(text: string, options: { allowZero?: boolean } = {}): Parsed<number> {
  if (/^\d+$/.test(text)) return bad('has no unit', FIX);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (text === '' || !match) return bad('is not a duration', FIX);
  const [, hours, minutes, seconds] = match;
  const ms =
    Number(hours ?? 0) * UNIT_MS.h + Number(minutes ?? 0) * UNIT_MS.m + Number(seconds ?? 0) * UNIT_MS.s;
  if (ms === 0 && !options.allowZero) return bad('is zero', FIX);
  if (ms > MAX_DURATION_MS) return bad('is longer than 24h', FIX);
  return ok(ms);
}

/** `90000` -> `1m30s`: the inverse of parseDuration, for messages. */
export function formatDuration(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', seconds ? `${seconds}s` : ''];
  return parts.join('') || '0s';
}
