// The small wording helpers every part of the action shares, defined once: durations, elapsed
// clocks, plurals, names out of ARNs, error messages.
export { formatDuration } from '../parse/duration.js';

/** `mm:ss`, or `h:mm:ss` past an hour: elapsed time in log lines and tables. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** `1 task`, `2 tasks`, `3 batches`. */
export function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : /(s|sh|ch|x)$/.test(word) ? `${word}es` : `${word}s`}`;
}

/** `arn:aws:ecs:…:task-definition/web:3` -> `web:3`. */
export function taskDefinitionName(arn: string): string {
  const i = arn.lastIndexOf('task-definition/');
  return i < 0 ? arn : arn.slice(i + 'task-definition/'.length);
}

/** A task id as people read it in the console: its first 8 characters. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** `arn:aws:elasticloadbalancing:…:targetgroup/web/0123` -> `web`. */
export function targetGroupName(arn: string): string {
  const m = /targetgroup\/([^/]+)/.exec(arn);
  return m?.[1] ?? arn;
}

/** One way to turn anything thrown into a sentence. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
