// `expect(actual, message)` as vitest has it: jest's expect takes one argument, so this wraps every
// matcher (and `.not`, `.resolves`, `.rejects`) to put `message` in front of a failure, telling
// which row of a table or which file failed.
import { expect } from '@jest/globals';

type Matchers = ReturnType<typeof expect>;

function withMessage<T extends object>(target: T, message: string): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          const prefix = (error: unknown): never => {
            if (error instanceof Error) error.message = `${message}\n\n${error.message}`;
            throw error;
          };
          try {
            const result: unknown = (value as (...a: unknown[]) => unknown).apply(object, args);
            return result instanceof Promise ? result.catch(prefix) : result;
          } catch (error) {
            return prefix(error);
          }
        };
      }
      if (typeof value === 'object' && value !== null) return withMessage(value, message);
      return value;
    },
  });
}

export function expectWith(actual: unknown, message: string): Matchers {
  return withMessage(expect(actual), message);
}
