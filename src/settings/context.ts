// How each group of inputs is read: the raw value (or its default), whether the user chose it, and
// one list of problems that readSettings reports at once.
import type { Parsed } from '../parse/result.js';
import { DEFAULTS, type InputName } from './inputs.js';

export interface SettingsProblem {
  input: InputName;
  /** `batch-size: "0" is not a task count or percentage; write ...` */
  message: string;
}

/** Reads one input by name; `core.getInput` trims it. */
export type InputReader = (name: string) => string;

export interface Inputs {
  /** The input, trimmed; its default when it is not set. */
  raw(name: InputName): string;
  /**
   * Set, and not to its default: the runner sets every defaulted input, so only a different value
   * is the user's choice. A rule "X is only used with Y" fires on a choice, never on a default.
   */
  given(name: InputName): boolean;
  complain(input: InputName, message: string): void;
  /** The parsed value, or the fallback after the problem is recorded. */
  take<T>(name: InputName, parsed: Parsed<T>, fallback: T): T;
}

/**
 * Multi-line inputs and URLs are not quoted back whole: the problem names the line at fault, and a
 * URL may carry credentials the parser has already redacted.
 */
const NOT_QUOTED: ReadonlySet<InputName> = new Set([
  'images',
  'health-check-url',
  'environment-url',
  // A command may carry an argument the user would rather not see quoted back.
  'pre-deploy-command',
  'alarms',
] as const);

export function inputsOf(read: InputReader, problems: SettingsProblem[]): Inputs {
  const raw = (name: InputName): string => {
    const value = read(name).trim();
    return value === '' ? (DEFAULTS[name] ?? '') : value;
  };
  const given = (name: InputName): boolean => {
    const value = read(name).trim();
    return value !== '' && value !== DEFAULTS[name];
  };
  const complain = (input: InputName, message: string): void => {
    problems.push({ input, message: `${input}: ${message}` });
  };
  function take<T>(name: InputName, parsed: Parsed<T>, fallback: T): T {
    if (parsed.ok) return parsed.value;
    const quoted = NOT_QUOTED.has(name) ? '' : `${JSON.stringify(raw(name))} `;
    complain(name, `${quoted}${parsed.problem}; ${parsed.fix}`);
    return fallback;
  }
  return { raw, given, complain, take };
}
