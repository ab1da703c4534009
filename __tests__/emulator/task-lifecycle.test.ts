// The task lifecycle list (emulator/src/ecs/task-lifecycle.ts) and the sets derived from it, as a
// table: each state's answers, written out by hand so a state moved in the list shows up here.
import { describe, expect, it } from '@jest/globals';
import {
  isLive,
  isStarting,
  isUp,
  lifecycleStep,
  TASK_LIFECYCLE,
  type TaskStatus,
} from '../../emulator/src/ecs/task-lifecycle.js';

const table: [TaskStatus, { starting: boolean; up: boolean; live: boolean; step: number }][] = [
  ['PROVISIONING', { starting: true, up: true, live: true, step: 1 }],
  ['PENDING', { starting: true, up: true, live: true, step: 2 }],
  ['ACTIVATING', { starting: true, up: true, live: true, step: 3 }],
  ['RUNNING', { starting: false, up: true, live: true, step: 4 }],
  ['DEACTIVATING', { starting: false, up: false, live: true, step: 5 }],
  ['STOPPING', { starting: false, up: false, live: true, step: 6 }],
  ['DEPROVISIONING', { starting: false, up: false, live: true, step: 7 }],
  ['STOPPED', { starting: false, up: false, live: false, step: 8 }],
];

describe('task lifecycle', () => {
  it('lists the states in the order of the page "Amazon ECS task lifecycle"', () => {
    expect([...TASK_LIFECYCLE]).toEqual(table.map(([status]) => status));
  });

  it.each(table)('%s', (status, expected) => {
    expect({
      starting: isStarting(status),
      up: isUp(status),
      live: isLive(status),
      step: lifecycleStep(status),
    }).toEqual(expected);
  });
});
