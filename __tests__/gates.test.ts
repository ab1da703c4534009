import { describe, it, expect } from '@jest/globals';
import { formatDuration, shortId, targetGroupName } from '../src/rollout/words.js';
import type { HttpCheckStreak } from '../src/rollout/types.js';
import { fresh, NEW, old, OLD, snapshot, T0, TG1, TG2 } from './helpers/fake-service.js';
import { expectWith } from './helpers/expect-with.js';
import { containerExits, eventsSince, type GateContext } from '../src/rollout/gates/context.js';
import { taskStoppedGate } from '../src/rollout/gates/task-stopped.js';
import { containerHealthGate } from '../src/rollout/gates/container-health.js';
import { noteTargetReasons, targetHealthGate } from '../src/rollout/gates/target-health.js';
import { httpCheckGate, nextStreak, statusAccepted } from '../src/rollout/gates/http-checks.js';
import { deploymentGate, timeoutGate } from '../src/rollout/gates/deployment.js';

const ctx: GateContext = { batch: 2, batches: 3, newTaskDefinitionArn: NEW, rolloutStartedAt: T0 };
const LONG_ID = '3f2a9c1e5b7d4e0f8a6b2c4d6e8f0a1b';
const events = [
  { createdAt: T0 - 60_000, message: '(service web) has reached a steady state.' },
  { createdAt: T0 + 1_000, message: '(service web) has started 2 tasks: (task a) (task b).' },
  { createdAt: T0 + 9_000, message: '(service web) has stopped 1 running tasks: (task a).' },
];

describe('noteTargetReasons: the reason code the action saw itself', () => {
  const reason = {
    reason: 'Target.ResponseCodeMismatch',
    description: 'Health checks failed with these codes: [500]',
  };
  it('keeps the last unhealthy reason of each NEW task, by IP, and nothing of old tasks', () => {
    const s = snapshot({
      tasks: [...fresh(1, { target: 'unhealthy' }), ...old(1, { target: 'unhealthy' })],
      targetReason: reason,
    });
    const seen = noteTargetReasons(new Map(), s, NEW);
    expect([...seen.entries()]).toEqual([
      [
        '10.1.0.1',
        'unhealthy in target group web (Target.ResponseCodeMismatch: Health checks failed with these codes: [500])',
      ],
    ]);
  });

  it('returns the same map when nothing new was seen', () => {
    const s = snapshot({ tasks: fresh(2) });
    const seen = new Map([['10.1.0.9', 'x']]);
    expect(noteTargetReasons(seen, s, NEW)).toBe(seen);
  });

  it('taskStoppedGate uses it when the service event that kept the reason has scrolled away', () => {
    const s = snapshot({
      tasks: fresh(1, {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        target: undefined,
        stoppedAt: T0 + 5_000,
        stoppedReason: `Task failed ELB health checks in (target-group ${TG1})`,
      }),
    });
    const seen = new Map([
      [
        '10.1.0.1',
        'unhealthy in target group web (Target.ResponseCodeMismatch: Health checks failed with these codes: [500])',
      ],
    ]);
    const f = taskStoppedGate(s, { ...ctx, seenReasons: seen });
    expect(f?.message).toContain(
      'ELB said: unhealthy in target group web (Target.ResponseCodeMismatch: Health checks failed with these codes: [500])',
    );
    expect(taskStoppedGate(s, ctx)?.message).not.toContain('ELB said');
  });
});

describe('taskStoppedGate', () => {
  it('names the batch, the task, its stoppedReason, stop code and each container exit', () => {
    const s = snapshot({
      tasks: [
        ...old(3),
        {
          id: LONG_ID,
          lastStatus: 'STOPPED',
          desiredStatus: 'STOPPED',
          stoppedAt: T0 + 9_000,
          stoppedReason: 'Essential container in task exited',
          stopCode: 'EssentialContainerExited',
          containers: [
            { name: 'web', exitCode: 1 },
            {
              name: 'sidecar',
              exitCode: 137,
              reason: 'OutOfMemoryError: Container killed due to memory usage',
            },
            { name: 'log-router' },
          ],
        },
      ],
      events,
    });
    const f = taskStoppedGate(s, ctx);
    expect(f).toEqual({
      batch: 2,
      kind: 'task-stopped',
      message:
        'batch 2/3: task 3f2a9c1e… stopped: Essential container in task exited ' +
        '(web exit 1, sidecar exit 137 OutOfMemoryError: Container killed due to memory usage)',
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/prod/${LONG_ID}`,
      reasonCode: 'EssentialContainerExited',
      serviceEvents: [events[1]!.message, events[2]!.message],
    });
  });

  it('fires as soon as ECS decides to stop a new task (desiredStatus STOPPED, still RUNNING)', () => {
    const s = snapshot({
      tasks: [
        ...fresh(1, {
          desiredStatus: 'STOPPED',
          stoppedReason: `Task failed ELB health checks in (target-group ${TG1})`,
          stopCode: 'ServiceSchedulerInitiated',
        }),
      ],
    });
    expect(taskStoppedGate(s, ctx)?.message).toBe(
      `batch 2/3: task n1 stopped: Task failed ELB health checks in (target-group web)`,
    );
    const noReason = snapshot({ tasks: fresh(1, { desiredStatus: 'STOPPED' }) });
    expect(taskStoppedGate(noReason, ctx)?.message).toBe('batch 2/3: task n1 stopped: being stopped');
  });

  it("a task ECS stopped for failing ELB health checks: the reason from ECS's service event", () => {
    const s = snapshot({
      tasks: fresh(1, {
        id: LONG_ID,
        desiredStatus: 'STOPPED',
        target: 'draining',
        stoppedReason: `Task failed ELB health checks in (target-group ${TG1})`,
        stopCode: 'ServiceSchedulerInitiated',
      }),
      events: [
        ...events,
        {
          createdAt: T0 + 10_000,
          message:
            `(service web) (task ${LONG_ID}) (port 8080) is unhealthy in (target-group ${TG1}) ` +
            'due to (reason Health checks failed with these codes: [500]).',
        },
      ],
    });
    expect(taskStoppedGate(s, ctx)?.message).toBe(
      'batch 2/3: task 3f2a9c1e… stopped: Task failed ELB health checks in (target-group web); ' +
        'ELB said: unhealthy in target group web (Health checks failed with these codes: [500])',
    );
  });

  it('ignores old tasks and new-revision tasks that stopped before this rollout began', () => {
    expect(
      taskStoppedGate(
        snapshot({ tasks: old(2, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: T0 + 1 }) }),
        ctx,
      ),
    ).toBeUndefined();
    expect(
      taskStoppedGate(
        snapshot({ tasks: fresh(1, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: T0 - 1 }) }),
        ctx,
      ),
    ).toBeUndefined();
    expect(taskStoppedGate(snapshot({ tasks: fresh(3) }), ctx)).toBeUndefined();
  });

  it('before the first batch says so', () => {
    const s = snapshot({
      tasks: fresh(1, {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedReason: 'CannotPullContainerError: pull access denied',
      }),
    });
    expect(taskStoppedGate(s, { ...ctx, batch: 0 })?.message).toBe(
      'before the first batch: task n1 stopped: CannotPullContainerError: pull access denied',
    );
  });
});

describe('targetHealthGate', () => {
  const reason = {
    reason: 'Target.ResponseCodeMismatch',
    description: 'Health checks failed with these codes: [500]',
  };

  it.each(['unhealthy', 'unhealthy.draining'])(
    'a new target %s: names target, task, group, reason code and description',
    (state) => {
      const s = snapshot({
        tasks: [...old(2), ...fresh(1, { id: LONG_ID, target: state })],
        targetReason: reason,
        events,
      });
      const f = targetHealthGate(s, ctx);
      expect(f).toEqual({
        batch: 2,
        kind: 'target-unhealthy',
        message:
          `batch 2/3: target 10.1.0.3:8080 of task 3f2a9c1e… is ${state} in target group web ` +
          '(Target.ResponseCodeMismatch: Health checks failed with these codes: [500])',
        taskArn: `arn:aws:ecs:us-east-1:000000000000:task/prod/${LONG_ID}`,
        target: { targetGroupArn: TG1, id: '10.1.0.3', port: 8080 },
        reasonCode: 'Target.ResponseCodeMismatch',
        serviceEvents: [events[1]!.message, events[2]!.message],
      });
    },
  );

  it('in any target group of the service, not only the first', () => {
    const s = snapshot({
      groups: [TG1, TG2],
      tasks: fresh(1, { target: { [TG1]: 'healthy', [TG2]: 'unhealthy' } }),
      targetReason: { reason: 'Target.Timeout', description: 'Request timed out' },
    });
    const f = targetHealthGate(s, ctx);
    expect(f?.target?.targetGroupArn).toBe(TG2);
    expect(f?.message).toContain('in target group admin (Target.Timeout: Request timed out)');
  });

  it('passes initial, healthy and draining targets, and unhealthy OLD targets', () => {
    for (const state of ['initial', 'healthy', 'draining', 'unused']) {
      expectWith(
        targetHealthGate(snapshot({ tasks: fresh(1, { target: state }) }), ctx),
        state,
      ).toBeUndefined();
    }
    expect(targetHealthGate(snapshot({ tasks: old(1, { target: 'unhealthy' }) }), ctx)).toBeUndefined();
  });

  it('ignores targets in groups that are not the service’s', () => {
    const s = snapshot({
      tasks: fresh(1),
      extraTargets: [{ targetGroupArn: TG2, id: '10.1.0.1', port: 8080, state: 'unhealthy' }],
    });
    expect(targetHealthGate(s, ctx)).toBeUndefined();
  });
});

describe('HTTP checks', () => {
  const ranges = [{ min: 200, max: 399 }];

  it.each<[number | undefined, boolean]>([
    [200, true],
    [204, true],
    [399, true],
    [400, false],
    [503, false],
    [199, false],
    [undefined, false],
  ])('status %s accepted by 200-399: %s', (status, ok) => {
    expect(statusAccepted(status, ranges)).toBe(ok);
  });

  it('several ranges', () => {
    expect(
      statusAccepted(404, [
        { min: 200, max: 200 },
        { min: 404, max: 404 },
      ]),
    ).toBe(true);
    expect(
      statusAccepted(201, [
        { min: 200, max: 200 },
        { min: 404, max: 404 },
      ]),
    ).toBe(false);
  });

  it('a streak counts consecutive failures, resets on success, and says when it last checked', () => {
    const shown = 'http://***@lb/health';
    let s: HttpCheckStreak = { url: 'http://u:pw@lb/health', shown, consecutiveFailures: 0 };
    s = nextStreak(s, { status: 503 }, ranges, T0 + 1);
    expect(s).toEqual({
      url: 'http://u:pw@lb/health',
      shown,
      consecutiveFailures: 1,
      passed: false,
      checkedAt: T0 + 1,
      last: 'status 503',
    });
    s = nextStreak(s, { error: 'connect ECONNREFUSED 127.0.0.1:80' }, ranges, T0 + 2);
    expect(s).toMatchObject({
      consecutiveFailures: 2,
      passed: false,
      last: 'connect ECONNREFUSED 127.0.0.1:80',
    });
    s = nextStreak(s, {}, ranges, T0 + 3);
    expect(s.last).toBe('no answer');
    s = nextStreak(s, { status: 200 }, ranges, T0 + 4);
    expect(s).toEqual({
      url: 'http://u:pw@lb/health',
      shown,
      consecutiveFailures: 0,
      passed: true,
      checkedAt: T0 + 4,
    });
  });

  it('fails at the threshold, naming the URL as it may be shown (never with its credentials) and the last answer', () => {
    const streaks: HttpCheckStreak[] = [
      { url: 'http://lb/ok', shown: 'http://lb/ok', consecutiveFailures: 1 },
      {
        url: 'http://u:pw@lb/health?token=t0k',
        shown: 'http://***@lb/health?***',
        consecutiveFailures: 3,
        last: 'status 502',
      },
    ];
    expect(httpCheckGate(streaks, 4, ctx)).toBeUndefined();
    const s = snapshot({ tasks: [], events });
    const failure = httpCheckGate(streaks, 3, ctx, s.service);
    expect(failure).toEqual({
      batch: 2,
      kind: 'http-check',
      message: 'batch 2/3: health check http://***@lb/health?*** failed 3 times in a row (last: status 502)',
      serviceEvents: [events[1]!.message, events[2]!.message],
    });
    expect(JSON.stringify(failure)).not.toMatch(/pw|t0k/);
  });
});

describe('timeoutGate', () => {
  const t = {
    batchStartedAt: T0 + 60_000,
    batchTimeoutMs: 300_000,
    rolloutTimeoutMs: 1_800_000,
    waitingFor: 'batch 2/3: 1/2 new targets healthy',
  };

  it('passes before either bound', () => {
    expect(timeoutGate(T0 + 359_999, t, ctx)).toBeUndefined();
  });
  it('the batch bound', () => {
    expect(timeoutGate(T0 + 360_000, t, ctx)).toEqual({
      batch: 2,
      kind: 'batch-timeout',
      message: 'batch 2/3 timed out after 5m, waiting for batch 2/3: 1/2 new targets healthy',
    });
  });
  it('the rollout bound wins when both passed, with service events', () => {
    const s = snapshot({ tasks: [], events });
    expect(timeoutGate(T0 + 1_800_000, t, ctx, s.service)).toEqual({
      batch: 2,
      kind: 'rollout-timeout',
      message: 'rollout timed out after 30m in batch 2/3, waiting for batch 2/3: 1/2 new targets healthy',
      serviceEvents: [events[1]!.message, events[2]!.message],
    });
  });
});

describe('deploymentGate', () => {
  it("ECS's circuit breaker failed our deployment and rolled the service back", () => {
    const s = snapshot({
      tasks: [],
      events,
      deployments: [
        { id: 'ecs-svc/back', status: 'PRIMARY', taskDefinitionArn: OLD, rolloutState: 'IN_PROGRESS' },
        {
          id: 'ecs-svc/ours',
          status: 'ACTIVE',
          taskDefinitionArn: NEW,
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        },
      ],
    });
    expect(deploymentGate(s, { ...ctx, deploymentId: 'ecs-svc/ours' })).toEqual({
      batch: 2,
      kind: 'ecs-rollback',
      message:
        "batch 2/3: ECS's deployment circuit breaker failed deployment ecs-svc/ours " +
        `(ECS deployment circuit breaker: tasks failed to start.) and rolled the service back to ${OLD}`,
      serviceEvents: [events[1]!.message, events[2]!.message],
    });
  });

  it("ECS's deployment alarms failed our deployment: the reason names them, not the breaker", () => {
    const s = snapshot({
      tasks: [],
      deployments: [
        { id: 'ecs-svc/back', status: 'PRIMARY', taskDefinitionArn: OLD, rolloutState: 'IN_PROGRESS' },
        {
          id: 'ecs-svc/ours',
          status: 'ACTIVE',
          taskDefinitionArn: NEW,
          rolloutState: 'FAILED',
          rolloutStateReason: 'ECS deployment ecs-svc/ours failed: alarm detected (web-5xx).',
        },
      ],
    });
    expect(deploymentGate(s, { ...ctx, deploymentId: 'ecs-svc/ours' })?.message).toBe(
      'batch 2/3: ECS failed deployment ecs-svc/ours ' +
        `(ECS deployment ecs-svc/ours failed: alarm detected (web-5xx).) and rolled the service back to ${OLD}`,
    );
  });

  it('a failed deployment without rollback, found by task definition before its id is known', () => {
    const s = snapshot({
      tasks: [],
      deployments: [
        {
          id: 'ecs-svc/ours',
          status: 'PRIMARY',
          taskDefinitionArn: NEW,
          rolloutState: 'FAILED',
          createdAt: T0 + 100,
        },
      ],
    });
    expect(deploymentGate(s, ctx)?.message).toBe(
      "batch 2/3: ECS's deployment circuit breaker failed deployment ecs-svc/ours",
    );
  });

  it('a FAILED deployment of the new revision from an earlier attempt is not ours', () => {
    const s = snapshot({
      tasks: [],
      deployments: [
        { id: 'ecs-svc/old', status: 'PRIMARY', taskDefinitionArn: OLD, rolloutState: 'COMPLETED' },
        {
          id: 'ecs-svc/earlier',
          status: 'ACTIVE',
          taskDefinitionArn: NEW,
          rolloutState: 'FAILED',
          createdAt: T0 - 5_000,
        },
      ],
    });
    expect(deploymentGate(s, ctx)).toBeUndefined();
  });

  it('superseded: someone else updated the service', () => {
    const s = snapshot({
      tasks: [],
      deployments: [
        {
          id: 'ecs-svc/theirs',
          status: 'PRIMARY',
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:7',
        },
        { id: 'ecs-svc/ours', status: 'ACTIVE', taskDefinitionArn: NEW, rolloutState: 'IN_PROGRESS' },
      ],
    });
    expect(deploymentGate(s, { ...ctx, deploymentId: 'ecs-svc/ours' })).toMatchObject({
      kind: 'superseded',
      message:
        'batch 2/3: another deployment (ecs-svc/theirs, arn:aws:ecs:us-east-1:000000000000:task-definition/web:7) ' +
        'replaced ours (ecs-svc/ours): someone else updated the service',
    });
  });

  it('passes while ours is PRIMARY and in progress', () => {
    expect(deploymentGate(snapshot({ tasks: [] }), { ...ctx, deploymentId: 'ecs-svc/new' })).toBeUndefined();
  });
});

describe('wording helpers', () => {
  it('service events since the rollout began, oldest first', () => {
    const s = snapshot({ tasks: [], events });
    expect(s.service.events[0]?.message).toBe(events[2]!.message); // ECS: newest first
    expect(eventsSince(s.service, T0)).toEqual([events[1]!.message, events[2]!.message]);
  });
  it('container exits', () => {
    expect(
      containerExits({
        arn: 'a',
        id: 'a',
        taskDefinitionArn: NEW,
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        containers: [{ name: 'web' }],
      }),
    ).toBe('');
  });
  it.each([
    [LONG_ID, '3f2a9c1e…'],
    ['n1', 'n1'],
  ])('shortId(%s)', (id, short) => expect(shortId(id)).toBe(short));
  it.each([
    [TG1, 'web'],
    ['not-an-arn', 'not-an-arn'],
  ])('targetGroupName(%s)', (arn, name) => expect(targetGroupName(arn)).toBe(name));
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
  ])('formatDuration(%i)', (ms, words) => expect(formatDuration(ms)).toBe(words));
});

describe('containerHealthGate: an ECS container health check that failed on a new task', () => {
  type Over = NonNullable<Parameters<typeof fresh>[1]>;
  const worker = (over: Over): ReturnType<typeof snapshot> =>
    snapshot({ groups: [], tasks: fresh(1, { target: undefined, ...over }) });
  const checks: GateContext = { ...ctx, containerChecks: ['app'] };
  const rows: [string, Over, GateContext, string | undefined][] = [
    [
      'every checked container HEALTHY',
      { healthStatus: 'HEALTHY', containers: [{ name: 'app', healthStatus: 'HEALTHY' }] },
      checks,
      undefined,
    ],
    [
      'still UNKNOWN (being evaluated)',
      { healthStatus: 'UNKNOWN', containers: [{ name: 'app', healthStatus: 'UNKNOWN' }] },
      checks,
      undefined,
    ],
    [
      'a checked container UNHEALTHY, task still RUNNING',
      { healthStatus: 'UNHEALTHY', containers: [{ name: 'app', healthStatus: 'UNHEALTHY' }] },
      checks,
      'batch 2/3: container app of task n1 is UNHEALTHY (its ECS container health check failed)',
    ],
    [
      'a container without a check (a sidecar ECS ignores) UNHEALTHY',
      {
        healthStatus: 'HEALTHY',
        containers: [
          { name: 'app', healthStatus: 'HEALTHY' },
          { name: 'log', healthStatus: 'UNHEALTHY' },
        ],
      },
      checks,
      undefined,
    ],
    [
      'checks unknown to the engine: the task UNHEALTHY names its UNHEALTHY container',
      {
        healthStatus: 'UNHEALTHY',
        containers: [
          { name: 'app', healthStatus: 'UNHEALTHY' },
          { name: 'log', healthStatus: 'UNKNOWN' },
        ],
      },
      ctx,
      'batch 2/3: container app of task n1 is UNHEALTHY (its ECS container health check failed)',
    ],
    [
      'stopped by ECS for it: the stoppedReason and the exit code follow',
      {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedAt: T0 + 5_000,
        stoppedReason: 'Task failed container health checks',
        stopCode: 'ServiceSchedulerInitiated',
        healthStatus: 'UNHEALTHY',
        containers: [{ name: 'app', healthStatus: 'UNHEALTHY', exitCode: 143, lastStatus: 'STOPPED' }],
      },
      checks,
      'batch 2/3: container app of task n1 is UNHEALTHY (its ECS container health check failed); task stopped: Task failed container health checks (app exit 143)',
    ],
    [
      'a task stopped before the rollout began is an earlier attempt',
      {
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stoppedAt: T0 - 5_000,
        healthStatus: 'UNHEALTHY',
        containers: [{ name: 'app', healthStatus: 'UNHEALTHY' }],
      },
      checks,
      undefined,
    ],
  ];
  it.each(rows)('%s', (_name, over, gateCtx, message) => {
    const f = containerHealthGate(worker(over), gateCtx);
    expect(f?.message).toBe(message);
    if (message)
      expect(f).toMatchObject({
        kind: 'container-unhealthy',
        batch: 2,
        taskArn: expect.stringContaining('/n1'),
      });
  });

  it('an old task UNHEALTHY is not the new version’s failure', () => {
    const s = snapshot({
      groups: [],
      tasks: old(1, {
        target: undefined,
        healthStatus: 'UNHEALTHY',
        containers: [{ name: 'app', healthStatus: 'UNHEALTHY' }],
      }),
    });
    expect(containerHealthGate(s, checks)).toBeUndefined();
  });

  it('says when, during the bake time', () => {
    const s = worker({ healthStatus: 'UNHEALTHY', containers: [{ name: 'app', healthStatus: 'UNHEALTHY' }] });
    expect(containerHealthGate(s, { ...checks, during: 'during the bake time' })?.message).toContain(
      'is UNHEALTHY during the bake time',
    );
  });
});
