// Booleans and one-of-a-list inputs.
import { bad, ok, type Parsed } from './result.js';

/** The YAML 1.2 core-schema spellings that @actions/core's getBooleanInput accepts, and no others. */
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

export function parseBoolean(text: string): Parsed<boolean> {
  if (TRUE.includes(text)) return ok(true);
  if (FALSE.includes(text)) return ok(false);
  return bad('is not a boolean', 'write true or false');
}

export function parseChoice<T extends string>(text: string, choices: readonly T[]): Parsed<T> {
  const found = choices.find((c) => c === text);
  if (found !== undefined) return ok(found);
  return bad('is not one of the choices', `write one of: ${choices.join(', ')}`);
}
