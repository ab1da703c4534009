// HTTP status codes that count as healthy: `200-399`, `200,204`, `200-299,304`, the way ELBv2's
// health check matcher accepts "200,202" and "200-299".
import { bad, ok, type Parsed } from './result.js';

/** An inclusive range of HTTP status codes that count as healthy, e.g. 200-399. */
export interface StatusRange {
  min: number;
  max: number;
}

const FIX = 'write status codes from 100 to 599 as ranges or lists (e.g. 200-399, or 200,204)';

export function parseStatusRanges(text: string): Parsed<StatusRange[]> {
  if (text === '') return bad('is empty', FIX);
  const ranges: StatusRange[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    if (!match) return bad(`has "${part}", which is not a status code or range`, FIX);
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : Number(match[2]);
    if (min < 100 || max > 599) return bad(`has "${part}", outside 100-599`, FIX);
    if (min > max) return bad(`has "${part}", whose start is above its end`, FIX);
    ranges.push({ min, max });
  }
  return ok(ranges);
}

export function statusMatches(ranges: readonly StatusRange[], status: number): boolean {
  return ranges.some((r) => status >= r.min && status <= r.max);
}
