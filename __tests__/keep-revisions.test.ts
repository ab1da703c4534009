// keep-revisions: the pure selection as a table, the cluster's in-use set from its services'
// deployments, and the runner's warnings.
import { describe, expect, it } from '@jest/globals';
import { revisionsToDeregister } from '../src/keep-revisions-plan.js';
import { tidyRevisions, type RevisionDriver } from '../src/keep-revisions.js';
import { Calls } from '../src/rollout/calls.js';
import { taskDefinitionsOf } from '../src/platform/revisions.js';
import { DriverError } from '../src/rollout/port.js';
import { FakeClock } from './helpers/fake-service.js';

const arn = (revision: number, family = 'web'): string =>
  `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`;
const arns = (...revisions: number[]): string[] => revisions.map((r) => arn(r));

describe('revisionsToDeregister', () => {
  it.each<
    [string, { active: number[]; keep: number; live: number; previous: number; inUse?: number[] }, number[]]
  >([
    [
      'keeps the newest N, deregisters the rest',
      { active: [1, 2, 3, 4, 5, 6], keep: 3, live: 6, previous: 5 },
      [3, 2, 1],
    ],
    ['off at 0', { active: [1, 2, 3, 4, 5, 6], keep: 0, live: 6, previous: 5 }, []],
    [
      'a revision another service runs is kept',
      { active: [1, 2, 3, 4, 5, 6], keep: 2, live: 6, previous: 5, inUse: [2] },
      [4, 3, 1],
    ],
    [
      'the previous one outside the newest N is kept',
      { active: [1, 2, 3, 4, 5], keep: 2, live: 5, previous: 1 },
      [3, 2],
    ],
    [
      'the live one outside the newest N (newer ones never went live) is kept',
      { active: [1, 2, 3, 4, 5], keep: 2, live: 3, previous: 1 },
      [2],
    ],
    ['fewer revisions than N: nothing', { active: [7, 8], keep: 5, live: 8, previous: 7 }, []],
    ['any order in, newest first out', { active: [3, 9, 1, 7, 5], keep: 2, live: 9, previous: 7 }, [5, 3, 1]],
    [
      'every old one in use: nothing',
      { active: [1, 2, 3, 4], keep: 2, live: 4, previous: 3, inUse: [1, 2] },
      [],
    ],
  ])('%s', (_what, input, expected) => {
    const selection = revisionsToDeregister({
      active: arns(...input.active),
      keep: input.keep,
      live: arn(input.live),
      previous: arn(input.previous),
      inUse: new Set(arns(...(input.inUse ?? []))),
    });
    expect(selection.deregister).toEqual(arns(...expected));
    // Never the live, the previous, or one in use; every ACTIVE revision is either kept or deregistered.
    for (const never of [input.live, input.previous, ...(input.inUse ?? [])])
      expect(selection.deregister).not.toContain(arn(never));
    expect(selection.kept.length + selection.deregister.length).toBe(new Set(input.active).size);
  });

  it('says why each old one is kept', () => {
    const selection = revisionsToDeregister({
      active: arns(1, 2, 3, 4, 5),
      keep: 2,
      live: arn(5),
      previous: arn(1),
      inUse: new Set([arn(2)]),
    });
    expect(selection.kept).toEqual([
      { arn: arn(5), because: 'newest' },
      { arn: arn(4), because: 'newest' },
      { arn: arn(2), because: 'in use' },
      { arn: arn(1), because: 'previous' },
    ]);
  });
});

describe('taskDefinitionsOf', () => {
  it('every deployment of every service, not just the primary', () => {
    expect(
      taskDefinitionsOf([
        {
          taskDefinition: arn(9),
          deployments: [
            { status: 'PRIMARY', taskDefinition: arn(9) },
            { status: 'ACTIVE', taskDefinition: arn(4) },
          ],
        },
        {
          taskDefinition: arn(2, 'worker'),
          deployments: [{ status: 'PRIMARY', taskDefinition: arn(2, 'worker') }],
        },
      ]),
    ).toEqual(new Set([arn(9), arn(4), arn(2, 'worker')]));
  });
});

describe('tidyRevisions', () => {
  const log = (): {
    lines: string[];
    warnings: string[];
    line(t: string): void;
    warning(t: string): void;
  } => {
    const out = { lines: [] as string[], warnings: [] as string[] };
    return { ...out, line: (t) => void out.lines.push(t), warning: (t) => void out.warnings.push(t) };
  };

  it('deregisters what the selection says; a refusal is a warning and the others still go', async () => {
    const deregistered: string[] = [];
    const driver: RevisionDriver = {
      listActiveRevisions: async () => arns(1, 2, 3, 4, 5, 6),
      taskDefinitionsInUse: async () => new Set([arn(2)]),
      deregister: async (a) => {
        if (a === arn(3)) throw new DriverError('AccessDeniedException: no', { kind: 'fatal' });
        deregistered.push(a);
      },
    };
    const out = log();
    const result = await tidyRevisions({
      revisions: driver,
      family: 'web',
      keep: 2,
      live: arn(6),
      previous: arn(5),
      calls: new Calls({ clock: new FakeClock(), callBoundMs: 10_000 }),
      log: out,
    });
    expect(deregistered).toEqual(arns(4, 1));
    expect(result.deregistered).toEqual(arns(4, 1));
    expect(result.warnings).toEqual([
      expect.stringMatching(/could not deregister web:3: AccessDeniedException/),
    ]);
  });

  it('a listing that fails: nothing deregistered, one warning', async () => {
    const deregister: string[] = [];
    const result = await tidyRevisions({
      revisions: {
        listActiveRevisions: async () => arns(1, 2, 3),
        taskDefinitionsInUse: async () => {
          throw new DriverError('AccessDeniedException: ListServices', { kind: 'fatal' });
        },
        deregister: async (a) => void deregister.push(a),
      },
      family: 'web',
      keep: 2,
      live: arn(3),
      previous: arn(2),
      calls: new Calls({ clock: new FakeClock(), callBoundMs: 10_000 }),
      log: log(),
    });
    expect(deregister).toEqual([]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/were not tidied: AccessDeniedException: ListServices/),
    ]);
  });
});
