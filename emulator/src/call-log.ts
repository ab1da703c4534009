// The log of every API call the emulator answered, so tests can assert what a client did and
// did not do. Bounded, so a long-running demo cannot grow it without end.
import type { CallRecord } from './contracts.js';

export interface CallLog {
  record(call: CallRecord): void;
  /** A copy, oldest first. */
  all(): CallRecord[];
  clear(): void;
}

export function createCallLog(limit = 100_000): CallLog {
  let calls: CallRecord[] = [];
  return {
    record(call) {
      calls.push(call);
      // Drop the oldest tenth at once rather than shifting on every call.
      if (calls.length > limit) calls = calls.slice(Math.ceil(limit / 10));
    },
    all: () => calls.slice(),
    clear() {
      calls = [];
    },
  };
}

const MUTATING =
  /^(Create|Delete|Update|Register|Deregister|Modify|Put|Tag|Untag|Stop|Start|Run|Add|Remove|Set)/;

/** Whether an operation changes state: AWS names them with these verbs. */
export function isMutating(operation: string): boolean {
  return MUTATING.test(operation);
}
