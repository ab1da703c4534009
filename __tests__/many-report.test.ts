// Several services: the `services` output, the one summary's rows, the start barrier and the one
// registration per task definition.
import { describe, expect, it, jest } from '@jest/globals';
import { Outputs } from '../src/outputs.js';
import type { ServiceDriver, TaskDefinitionRecord } from '../src/rollout/port.js';
import {
  SharedRegistration,
  canonicalJson,
  checkOneBodyPerFamily,
} from '../src/modes/shared-registration.js';
import { StartBarrier } from '../src/modes/start-barrier.js';
import type { SummaryInput } from '../src/report/summary-input.js';
import { renderManySummary } from '../src/report/summary-many.js';

const ARN = (name: string): string => `arn:aws:ecs:us-east-1:123456789012:task-definition/${name}`;

function recordOutputs(): {
  out: { setOutput(name: string, value: string): void };
  values: Map<string, string>;
} {
  const values = new Map<string, string>();
  return { out: { setOutput: (name, value) => values.set(name, value) }, values };
}

describe('the services output', () => {
  it('one service: one entry with what the one-service outputs say', () => {
    const { out, values } = recordOutputs();
    const outputs = new Outputs(out, 0, () => 5000);
    outputs.forService('prod', 'web');
    outputs.finished(
      'rolled-back',
      {
        outcome: 'rolled-back',
        previousTaskDefinitionArn: ARN('web:1'),
        newTaskDefinitionArn: ARN('web:2'),
        unchanged: false,
        imageChanges: [],
        startedAt: 0,
        durationMs: 5000,
        notes: [],
      },
      { batches: [] },
      5000,
      'batch 1: task stopped',
    );
    expect(JSON.parse(values.get('services') ?? '')).toEqual([
      {
        service: 'web',
        cluster: 'prod',
        outcome: 'rolled-back',
        taskDefinitionArn: ARN('web:2'),
        previousTaskDefinitionArn: ARN('web:1'),
        failureReason: 'batch 1: task stopped',
      },
    ]);
    expect(values.get('outcome')).toBe('rolled-back');
  });

  it('several: the overall outcome, the first service in the one-service outputs, an entry each (no failureReason on success)', () => {
    const { out, values } = recordOutputs();
    new Outputs(out, 0).finishedMany({
      outcome: 'rolled-back',
      services: [
        {
          service: 'web',
          cluster: 'prod',
          outcome: 'succeeded',
          taskDefinitionArn: ARN('web:2'),
          previousTaskDefinitionArn: ARN('web:1'),
        },
        {
          service: 'api',
          cluster: 'prod',
          outcome: 'rolled-back',
          taskDefinitionArn: ARN('api:5'),
          previousTaskDefinitionArn: ARN('api:4'),
          failureReason: 'batch 2 failed',
        },
      ],
      batches: 4,
      durationMs: 61_400,
      failureReason: '1 of 2 services did not succeed',
    });
    expect(values.get('outcome')).toBe('rolled-back');
    expect(values.get('task-definition-arn')).toBe(ARN('web:2'));
    expect(values.get('previous-task-definition-arn')).toBe(ARN('web:1'));
    expect(values.get('batches')).toBe('4');
    expect(values.get('duration-seconds')).toBe('61');
    const services = JSON.parse(values.get('services') ?? '') as Record<string, unknown>[];
    expect(services.map((s) => s['service'])).toEqual(['web', 'api']);
    expect(services[0]).not.toHaveProperty('failureReason');
    expect(services[1]?.['failureReason']).toBe('batch 2 failed');
  });
});

describe('renderManySummary', () => {
  const section = (service: string, outcome: SummaryInput['outcome']): SummaryInput => ({
    cluster: 'prod',
    service,
    outcome,
    previousTaskDefinitionArn: ARN(`${service}:1`),
    newTaskDefinitionArn: ARN(`${service}:2`),
    imageChanges: [],
    batches: [{ batch: 1, tasks: 2, startedAt: 0, endedAt: 1000, outcome: 'succeeded' }],
    durationMs: 1000,
  });

  it('a row per service, then each service’s own summary one heading level down', () => {
    const md = renderManySummary({
      cluster: 'prod',
      outcome: 'rolled-back',
      durationMs: 90_000,
      rows: [
        {
          service: 'web',
          outcome: 'rolled-back',
          previousTaskDefinitionArn: ARN('web:1'),
          taskDefinitionArn: ARN('web:2'),
          words: 'web: had succeeded; rolled back | because api failed',
        },
        {
          service: 'api',
          outcome: 'rolled-back',
          previousTaskDefinitionArn: ARN('api:1'),
          taskDefinitionArn: ARN('api:2'),
          words: 'api: batch 2 failed',
        },
      ],
      services: [section('web', 'rolled-back'), section('api', 'rolled-back')],
    });
    expect(md).toMatch(/^## ECS rolling deploy: prod, 2 services$/m);
    expect(md).toMatch(/^\*\*Rolled back\.\*\* 0 of 2 services on the new task definition/m);
    expect(md).toContain(
      '| `web` | Rolled back | `web:1` → `web:2` | web: had succeeded; rolled back \\| because api failed |',
    );
    expect(md).toContain('| `api` | Rolled back | `api:1` → `api:2` | api: batch 2 failed |');
    expect(md).toMatch(/^### ECS rolling deploy: prod\/web$/m);
    expect(md).toMatch(/^### ECS rolling deploy: prod\/api$/m);
    expect(md.match(/^#### Batches$/gm)).toHaveLength(2);
  });

  it('stays within the size limit with many services', () => {
    const services = Array.from({ length: 20 }, (_, i) => section(`svc${i}`, 'succeeded'));
    const md = renderManySummary(
      {
        cluster: 'prod',
        outcome: 'succeeded',
        durationMs: 1,
        rows: services.map((s) => ({
          service: s.service,
          outcome: 'succeeded',
          words: `${s.service}: succeeded`,
        })),
        services,
      },
      { maxBytes: 8_000 },
    );
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(8_000);
    expect(md).toContain('| `svc19` | Succeeded |');
  });
});

describe('StartBarrier', () => {
  it('opens once every service arrived or ended without a change', async () => {
    const barrier = new StartBarrier(3);
    const first = barrier.arrive(0);
    barrier.leave(1);
    expect(barrier.isOpen).toBe(false);
    const last = barrier.arrive(2);
    await expect(Promise.all([first, last])).resolves.toEqual([undefined, undefined]);
    expect(barrier.isOpen).toBe(true);
  });

  it('refuses every waiter, and every later arrival, when one fails before it opened', async () => {
    const barrier = new StartBarrier(3);
    const waiting = barrier.arrive(0);
    barrier.leave(1, new Error('api: service not found'));
    await expect(waiting).rejects.toThrow('api: service not found');
    await expect(barrier.arrive(2)).rejects.toThrow('api: service not found');
    expect(barrier.isOpen).toBe(false);
  });

  it('refuses on the job’s cancel', async () => {
    const controller = new AbortController();
    const barrier = new StartBarrier(2, controller.signal);
    const waiting = barrier.arrive(0);
    controller.abort();
    await expect(waiting).rejects.toThrow(/cancelled before any service was changed/);
  });
});

describe('SharedRegistration', () => {
  function driver(): ServiceDriver & { calls: number } {
    let revision = 0;
    const d = {
      calls: 0,
      cluster: 'prod',
      service: 'web',
      registerTaskDefinition: jest.fn(
        async (body: Record<string, unknown>): Promise<TaskDefinitionRecord> => {
          d.calls += 1;
          revision += 1;
          return {
            arn: ARN(`${String(body['family'])}:${revision}`),
            family: String(body['family']),
            revision,
            status: 'ACTIVE',
            body,
            tags: {},
          };
        },
      ),
    };
    return d as unknown as ServiceDriver & { calls: number };
  }

  it('registers one body once, whoever asks and in whatever key order', async () => {
    const shared = new SharedRegistration();
    const base = driver();
    const [a, b] = [shared.wrap(base), shared.wrap(base)];
    const [x, y] = await Promise.all([
      a.registerTaskDefinition({ family: 'web', cpu: '256' }),
      b.registerTaskDefinition({ cpu: '256', family: 'web' }),
    ]);
    expect(x.arn).toBe(y.arn);
    expect(base.calls).toBe(1);
    // The wrapped driver is still the service's own otherwise.
    expect(a.service).toBe('web');
    await a.registerTaskDefinition({ family: 'api' });
    expect(base.calls).toBe(2);
  });

  it('refuses two different files of one family before anything is registered', () => {
    const file = (path: string, cpu: string) => ({ path, body: { family: 'web', cpu }, stripped: [] });
    expect(() =>
      checkOneBodyPerFamily([
        { service: 'web', file: file('/w/web.json', '256') },
        { service: 'api', file: file('/w/api.json', '512') },
      ]),
    ).toThrow(
      /\/w\/web\.json \(service web\) and \/w\/api\.json \(service api\) are both family "web" but differ/,
    );
    expect(() =>
      checkOneBodyPerFamily([
        { service: 'web', file: file('/w/web.json', '256') },
        { service: 'api', file: file('/w/web.json', '256') },
      ]),
    ).not.toThrow();
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });
});
