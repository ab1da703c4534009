// Constraints botocore's models put on a scalar whatever the protocol: enum values, and `min`/`max`
// (a string's length, a number's value). `pattern` is not checked: the models' patterns are written
// for Java's regex dialect and many are looser than the documentation anyway.
import type { ShapeDef } from './model.js';
import type { Report } from './problem.js';

export function checkEnum(shape: ShapeDef, value: string, path: string, report: Report): void {
  if (shape.enum && !shape.enum.includes(value)) {
    report(path, `'${value}' is not one of the enum values [${shape.enum.join(', ')}]`);
  }
}

export function checkStringLength(shape: ShapeDef, value: string, path: string, report: Report): void {
  if (shape.min !== undefined && value.length < shape.min)
    report(path, `string of length ${value.length} is shorter than the minimum ${shape.min}`);
  if (shape.max !== undefined && value.length > shape.max)
    report(path, `string of length ${value.length} is longer than the maximum ${shape.max}`);
}

export function checkNumberRange(shape: ShapeDef, value: number, path: string, report: Report): void {
  if (shape.min !== undefined && value < shape.min)
    report(path, `${value} is below the minimum ${shape.min}`);
  if (shape.max !== undefined && value > shape.max)
    report(path, `${value} is above the maximum ${shape.max}`);
}

export function checkListLength(shape: ShapeDef, length: number, path: string, report: Report): void {
  if (shape.min !== undefined && length < shape.min)
    report(path, `list of ${length} items is shorter than the minimum ${shape.min}`);
  if (shape.max !== undefined && length > shape.max)
    report(path, `list of ${length} items is longer than the maximum ${shape.max}`);
}

const INTEGER_LIMITS = {
  integer: [-(2 ** 31), 2 ** 31 - 1],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** An integer or long that fits its type. */
export function checkInteger(shape: ShapeDef, value: number, path: string, report: Report): void {
  const [low, high] = shape.type === 'integer' ? INTEGER_LIMITS.integer : INTEGER_LIMITS.long;
  if (!Number.isInteger(value)) report(path, `${value} is not an integer (${shape.type})`);
  else if (value < (low ?? -Infinity) || value > (high ?? Infinity))
    report(path, `${value} does not fit a ${shape.type}`);
  else checkNumberRange(shape, value, path, report);
}

/** Member path segment: `$.a` + `b` -> `$.a.b`. */
export function child(path: string, name: string): string {
  return `${path}.${name}`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}
