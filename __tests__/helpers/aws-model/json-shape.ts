// A JSON value against a botocore shape, as the AWS JSON 1.1 protocol (ECS) carries it: structures
// are objects keyed by member name, lists arrays, maps objects, timestamps epoch seconds (numbers;
// the JSON protocols' default timestamp format), and an unset member is left out, never null.
import { shapeOf } from './model.js';
import type { ServiceModel } from './model.js';
import type { Report } from './problem.js';
import {
  checkEnum,
  checkInteger,
  checkListLength,
  checkNumberRange,
  checkStringLength,
  child,
  index,
} from './scalars.js';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkJson(
  model: ServiceModel,
  shapeName: string,
  value: unknown,
  path: string,
  report: Report,
): void {
  const shape = shapeOf(model, shapeName);
  if (value === null) {
    report(path, `null where ${shape.type} ${shapeName} is expected (AWS leaves an unset member out)`);
    return;
  }
  const expect = (ok: boolean, what: string): boolean => {
    if (!ok) report(path, `expected ${what} (${shapeName}), got ${kindOf(value)}`);
    return ok;
  };
  switch (shape.type) {
    case 'structure': {
      if (shape.document) return; // free-form JSON by definition
      if (!expect(isObject(value), 'an object')) return;
      const object = value as Record<string, unknown>;
      for (const [name, member] of Object.entries(object)) {
        const ref = shape.members?.[name];
        if (!ref) report(child(path, name), `unknown member '${name}' of ${shapeName}`);
        else checkJson(model, ref.shape, member, child(path, name), report);
      }
      for (const name of shape.required ?? []) {
        if (!(name in object))
          report(child(path, name), `required member '${name}' of ${shapeName} is missing`);
      }
      return;
    }
    case 'list': {
      if (!expect(Array.isArray(value), 'an array')) return;
      const items = value as unknown[];
      checkListLength(shape, items.length, path, report);
      const member = shape.member?.shape;
      if (member) items.forEach((item, i) => checkJson(model, member, item, index(path, i), report));
      return;
    }
    case 'map': {
      if (!expect(isObject(value), 'an object (map)')) return;
      const keyShape = shape.key?.shape;
      const valueShape = shape.value?.shape;
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        if (keyShape) checkJson(model, keyShape, key, `${path}{key ${JSON.stringify(key)}}`, report);
        if (valueShape) checkJson(model, valueShape, entry, child(path, key), report);
      }
      return;
    }
    case 'string':
      if (!expect(typeof value === 'string', 'a string')) return;
      checkEnum(shape, value as string, path, report);
      checkStringLength(shape, value as string, path, report);
      return;
    case 'integer':
    case 'long':
      if (!expect(typeof value === 'number', `an ${shape.type}`)) return;
      checkInteger(shape, value as number, path, report);
      return;
    case 'double':
    case 'float':
      if (!expect(typeof value === 'number' && Number.isFinite(value), 'a finite number')) return;
      checkNumberRange(shape, value as number, path, report);
      return;
    case 'boolean':
      expect(typeof value === 'boolean', 'a boolean');
      return;
    case 'timestamp':
      expect(typeof value === 'number' && Number.isFinite(value), 'epoch seconds (a number)');
      return;
    case 'blob':
      expect(typeof value === 'string', 'a base64 string');
      return;
  }
}
