// `/_emulator/faults`: fault injection from outside the emulator's process, so a fault run can be
// replayed with curl against any running emulator (`npm run emulator`, a test's, a demo's).
//   GET    -> 200 { rules }            the rules in force (`times`: firings left)
//   POST   -> 200 { rule, rules }      add one rule (the FaultRule fields as JSON); 400 if invalid
//   DELETE -> 200 { cleared }          remove every rule
// Not AWS behaviour: an emulator control, like the other `/_emulator/` views.
import type { HttpAnswer } from './contracts.js';
import { parseFaultRule } from './faults.js';
import type { FaultInjector } from './faults.js';

export const FAULTS_PATH = '/_emulator/faults';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export function answerFaultAdmin(
  method: string | undefined,
  body: string,
  faults: FaultInjector,
): HttpAnswer {
  switch (method) {
    case 'GET':
      return json(200, { rules: faults.rules() });
    case 'DELETE': {
      const cleared = faults.rules().length;
      faults.clear();
      return json(200, { cleared });
    }
    case 'POST': {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        return json(400, {
          message: 'the body must be one fault rule as JSON, e.g. {"operation":"*","latencyMs":300}',
        });
      }
      try {
        const rule = parseFaultRule(value);
        faults.add(rule);
        return json(200, { rule, rules: faults.rules() });
      } catch (error) {
        return json(400, { message: error instanceof Error ? error.message : String(error) });
      }
    }
    default:
      return json(
        405,
        { message: `${FAULTS_PATH} takes GET, POST or DELETE` },
        { allow: 'GET, POST, DELETE' },
      );
  }
}
