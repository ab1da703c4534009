// How a task is matched to its targets: by awsvpc IP in `ip` groups, by EC2 instance id and host
// port in `instance` groups (bridge mode: several tasks share one instance, each on its own port).
import { describe, expect, it } from '@jest/globals';
import type { DecideContext } from '../src/rollout/decide.js';
import { EMPTY_LEDGER } from '../src/rollout/drains.js';
import { planBatches } from '../src/rollout/plan.js';
import { addressKey, indexOf } from '../src/rollout/snapshot-index.js';
import { NEW, OLD, snapshot, T0, TG1, TG2 } from './helpers/fake-service.js';
import type { Snapshot, TargetView, TaskView } from '../src/rollout/snapshot.js';
import type { GateContext } from '../src/rollout/gates/context.js';
import { taskStoppedGate } from '../src/rollout/gates/task-stopped.js';
import { noteTargetReasons, targetHealthGate } from '../src/rollout/gates/target-health.js';
import { observe as observeBatch } from '../src/rollout/progress.js';

const I1 = 'i-0a1b2c3d4e5f60001';
const I2 = 'i-0a1b2c3d4e5f60002';

interface BridgeTask {
  id: string;
  td?: string;
  instance: string;
  /** Host port per target group (the container port's binding). */
  ports: Record<string, number>;
  lastStatus?: string;
  desiredStatus?: string;
  stoppedAt?: number;
  stoppedReason?: string;
}

/** A service on the EC2 launch type, bridge mode, behind `groups` of target type instance. */
function bridge(
  tasks: BridgeTask[],
  targets: {
    group?: string;
    id: string;
    port: number;
    state: string;
    reason?: string;
    description?: string;
  }[],
  groups = [TG1],
): Snapshot {
  const base = snapshot({ tasks: [], groups });
  const views: TaskView[] = tasks.map((t) => {
    const view: TaskView = {
      arn: `arn:aws:ecs:us-east-1:000000000000:task/prod/${t.id}`,
      id: t.id,
      taskDefinitionArn: t.td ?? NEW,
      lastStatus: t.lastStatus ?? 'RUNNING',
      desiredStatus: t.desiredStatus ?? 'RUNNING',
      containers: [{ name: 'web' }],
      targets: Object.entries(t.ports).map(([g, port]) => ({ targetGroupArn: g, id: t.instance, port })),
    };
    if (t.stoppedAt !== undefined) view.stoppedAt = t.stoppedAt;
    if (t.stoppedReason !== undefined) view.stoppedReason = t.stoppedReason;
    return view;
  });
  const targetViews: TargetView[] = targets.map((t) => {
    const v: TargetView = { targetGroupArn: t.group ?? TG1, id: t.id, port: t.port, state: t.state };
    if (t.reason) v.reason = t.reason;
    if (t.description) v.description = t.description;
    return v;
  });
  return {
    ...base,
    service: { ...base.service, desiredCount: views.length },
    tasks: views,
    targets: targetViews,
  };
}

describe('indexOf: instance targets are matched by instance id and host port', () => {
  const s = bridge(
    [
      { id: 'a', instance: I1, ports: { [TG1]: 32768 } },
      { id: 'b', instance: I1, ports: { [TG1]: 32769 } },
      { id: 'c', instance: I1, ports: { [TG1]: 32770 } },
      { id: 'd', instance: I2, ports: { [TG1]: 32768 } },
    ],
    [
      { id: I1, port: 32768, state: 'healthy' },
      { id: I1, port: 32769, state: 'unhealthy' },
      { id: I1, port: 32770, state: 'initial' },
      { id: I2, port: 32768, state: 'healthy' },
    ],
  );
  const index = indexOf(s);
  const task = (id: string): TaskView => s.tasks.find((t) => t.id === id)!;

  it.each([
    ['a', true, `${I1}:32768 healthy`],
    ['b', false, `${I1}:32769 unhealthy, though a and c share its instance`],
    ['c', false, `${I1}:32770 still initial`],
    ['d', true, `${I2}:32768 healthy: the same port on another instance is another target`],
  ])('task %s healthy: %s (%s)', (id, healthy) => {
    expect(index.healthy(task(id))).toBe(healthy);
  });

  it('gives each task its own target only', () => {
    expect(index.targetsOfTask(task('b')).map((t) => `${t.id}:${t.port}:${t.state}`)).toEqual([
      `${I1}:32769:unhealthy`,
    ]);
  });

  it('an instance target with no live task on that port is an old one leaving; the rest are live', () => {
    const gone = bridge(
      [
        { id: 'a', instance: I1, ports: { [TG1]: 32768 } },
        {
          id: 'x',
          td: OLD,
          instance: I1,
          ports: { [TG1]: 32771 },
          lastStatus: 'STOPPED',
          desiredStatus: 'STOPPED',
        },
      ],
      [
        { id: I1, port: 32768, state: 'healthy' },
        { id: I1, port: 32771, state: 'draining' },
      ],
    );
    const live = gone.targets.map((t) => indexOf(gone).isLive(t));
    expect(live).toEqual([true, false]);
  });
});

describe('indexOf: several instance target groups', () => {
  it('is healthy only when its target in every group is, each at its own host port', () => {
    const s = bridge(
      [{ id: 'a', instance: I1, ports: { [TG1]: 32768, [TG2]: 32769 } }],
      [
        { group: TG1, id: I1, port: 32768, state: 'healthy' },
        { group: TG2, id: I1, port: 32769, state: 'initial' },
        // Another task's target in TG2 on the same instance must not stand in for a's.
        { group: TG2, id: I1, port: 32800, state: 'healthy' },
      ],
      [TG1, TG2],
    );
    expect(indexOf(s).healthy(s.tasks[0]!)).toBe(false);
    const ready = { ...s, targets: s.targets.map((t) => ({ ...t, state: 'healthy' })) };
    expect(indexOf(ready).healthy(ready.tasks[0]!)).toBe(true);
  });
});

describe('indexOf: ip targets as before', () => {
  it('a task without target addresses is reached by its IP in every group', () => {
    const s = snapshot({ tasks: [{ id: 'a', target: 'healthy' }], groups: [TG1, TG2] });
    const index = indexOf(s);
    expect(index.addressesOf(s.tasks[0]!)).toEqual([
      { targetGroupArn: TG1, id: '10.1.0.1' },
      { targetGroupArn: TG2, id: '10.1.0.1' },
    ]);
    expect(index.healthy(s.tasks[0]!)).toBe(true);
  });

  it('addressKey names an ip target by its IP and an instance target by id:port', () => {
    expect(addressKey({ id: '10.0.3.7' })).toBe('10.0.3.7');
    expect(addressKey({ id: I1, port: 32768 })).toBe(`${I1}:32768`);
  });
});

describe('indexOf: a fleet of 5,000 bridge tasks on 50 instances', () => {
  it('answers every task in linear time (indexed, not tasks × targets)', () => {
    const tasks: BridgeTask[] = [];
    const targets: { id: string; port: number; state: string }[] = [];
    for (let i = 0; i < 5000; i++) {
      const instance = `i-0000000000000${String(i % 50).padStart(4, '0')}`;
      const port = 32768 + Math.floor(i / 50);
      tasks.push({ id: `t${i}`, instance, ports: { [TG1]: port } });
      targets.push({ id: instance, port, state: i % 7 === 0 ? 'initial' : 'healthy' });
    }
    const s = bridge(tasks, targets);
    const started = performance.now();
    const index = indexOf(s);
    const healthy = s.tasks.filter((t) => index.healthy(t)).length;
    const lingering = s.targets.filter((t) => !index.isLive(t)).length;
    const ms = performance.now() - started;
    expect(healthy).toBe(5000 - Math.ceil(5000 / 7));
    expect(lingering).toBe(0);
    // tasks × targets would be 25 million comparisons; the index does it in a few ms.
    expect(ms).toBeLessThan(500);
  });
});

describe('gates on instance targets', () => {
  const ctx: GateContext = { batch: 1, batches: 2, newTaskDefinitionArn: NEW, rolloutStartedAt: T0 };
  const reason = {
    reason: 'Target.ResponseCodeMismatch',
    description: 'Health checks failed with these codes: [500]',
  };

  it('targetHealthGate names the unhealthy target as instance:port and its own task', () => {
    const s = bridge(
      [
        { id: 'a', instance: I1, ports: { [TG1]: 32768 } },
        { id: 'b', instance: I1, ports: { [TG1]: 32769 } },
      ],
      [
        { id: I1, port: 32768, state: 'healthy' },
        { id: I1, port: 32769, state: 'unhealthy', ...reason },
      ],
    );
    const f = targetHealthGate(s, ctx);
    expect(f?.message).toContain(`target ${I1}:32769 of task b is unhealthy in target group web`);
    expect(f?.target).toEqual({ targetGroupArn: TG1, id: I1, port: 32769 });
    expect(f?.taskArn).toMatch(/\/b$/);
  });

  it('an unhealthy old target on the same instance does not fail the new tasks', () => {
    const s = bridge(
      [
        { id: 'a', instance: I1, ports: { [TG1]: 32768 } },
        { id: 'o', td: OLD, instance: I1, ports: { [TG1]: 32769 } },
      ],
      [
        { id: I1, port: 32768, state: 'healthy' },
        { id: I1, port: 32769, state: 'unhealthy', ...reason },
      ],
    );
    expect(targetHealthGate(s, ctx)).toBeUndefined();
  });

  it('keeps the reason per instance:port, and taskStoppedGate finds it for the task stopped later', () => {
    const seeing = bridge(
      [
        { id: 'a', instance: I1, ports: { [TG1]: 32768 } },
        { id: 'b', instance: I1, ports: { [TG1]: 32769 } },
      ],
      [
        { id: I1, port: 32768, state: 'healthy' },
        { id: I1, port: 32769, state: 'unhealthy', ...reason },
      ],
    );
    const seen = noteTargetReasons(new Map(), seeing, NEW);
    expect([...seen.keys()]).toEqual([`${I1}:32769`]);

    const later = bridge(
      [
        { id: 'a', instance: I1, ports: { [TG1]: 32768 } },
        {
          id: 'b',
          instance: I1,
          ports: { [TG1]: 32769 },
          lastStatus: 'STOPPED',
          desiredStatus: 'STOPPED',
          stoppedAt: T0 + 5_000,
          stoppedReason: `Task failed ELB health checks in (target-group ${TG1})`,
        },
      ],
      [{ id: I1, port: 32768, state: 'healthy' }],
    );
    const f = taskStoppedGate(later, { ...ctx, seenReasons: seen });
    expect(f?.message).toContain('task b stopped');
    expect(f?.message).toContain(`(target ${I1}:32769)`);
    expect(f?.message).toContain('ELB said: unhealthy in target group web (Target.ResponseCodeMismatch');
    // Task a shares the instance but not the port: nothing of b's is said of it.
    const other = new Map([[`${I1}:32768`, 'x']]);
    expect(taskStoppedGate(later, { ...ctx, seenReasons: other })?.message).not.toContain('ELB said');
  });
});

describe('decide.observe on instance targets', () => {
  it('counts new tasks healthy by their own target and an old task’s draining target as lingering', () => {
    const s = bridge(
      [
        { id: 'a', instance: I1, ports: { [TG1]: 32768 } },
        { id: 'b', instance: I1, ports: { [TG1]: 32769 } },
        {
          id: 'o',
          td: OLD,
          instance: I1,
          ports: { [TG1]: 32770 },
          desiredStatus: 'STOPPED',
          lastStatus: 'STOPPED',
        },
      ],
      [
        { id: I1, port: 32768, state: 'healthy' },
        { id: I1, port: 32769, state: 'initial' },
        { id: I1, port: 32770, state: 'draining' },
      ],
    );
    const ctx: DecideContext = {
      plan: planBatches({
        desired: 2,
        batchSize: { kind: 'count', value: 2 },
        maxUnavailable: { kind: 'count', value: 0 },
      }),
      newTaskDefinitionArn: NEW,
      position: { batch: 1, stage: 'held', releasedAt: T0 },
      rolloutStartedAt: T0,
      batchTimeoutMs: 600_000,
      rolloutTimeoutMs: 3_600_000,
      bakeMs: 0,
      overlap: true,
      drains: EMPTY_LEDGER,
    };
    const seen = observeBatch(s, ctx);
    expect(seen.progress.newHealthy).toBe(1);
    expect(seen.lingeringTargets).toBe(1);
  });
});
