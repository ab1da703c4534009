// What every input parser returns: a value, or what was wrong and what to write instead. The
// parsers never see the input's name; settings.ts puts name, value, problem and fix together.

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string; fix: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function bad<T>(problem: string, fix: string): Parsed<T> {
  return { ok: false, problem, fix };
}
