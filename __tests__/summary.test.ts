// The job summary: outcome first, previous -> new with image changes, the batch table, the failure
// with its service events, the rollback, the mermaid gantt; escaping and the size cap. No snapshots:
// each test asserts the lines a reader relies on.
import { describe, it, expect } from '@jest/globals';
import {
  SUMMARY_LIMIT_BYTES,
  cell,
  createSummaryCollector,
  renderSummary,
  type SummaryInput,
} from '../src/report/summary.js';
import { taskDefinitionName } from '../src/rollout/describe-state.js';
import type { BatchPlan, BatchRecord, RolloutFailure } from '../src/rollout/types.js';

const T0 = 1_700_000_000_000;
const s = (seconds: number): number => T0 + seconds * 1000;
const ARN = (revision: number): string =>
  `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${revision}`;
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef';

const plan: BatchPlan = {
  desired: 6,
  batchSize: 2,
  maxUnavailable: 0,
  batches: [2, 2, 2],
  settings: { maximumPercent: 134, minimumHealthyPercent: 100 },
};

const batch = (n: number, start: number): BatchRecord => ({
  batch: n,
  tasks: 2,
  startedAt: s(start),
  launchedAt: s(start + 5),
  healthyAt: s(start + 20),
  drainedAt: s(start + 35),
  endedAt: s(start + 35),
  outcome: 'succeeded',
});

/** A batch whose new tasks launched but failed their health checks 15 s after it began. */
const failedBatch = (n: number, start: number): BatchRecord => ({
  batch: n,
  tasks: 2,
  startedAt: s(start),
  launchedAt: s(start + 5),
  endedAt: s(start + 15),
  outcome: 'failed',
});

function without<T extends object>(value: T, ...keys: (keyof T)[]): T {
  const copy = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}

const succeeded = (overrides: Partial<SummaryInput> = {}): SummaryInput => ({
  cluster: 'default',
  service: 'web',
  outcome: 'succeeded',
  previousTaskDefinitionArn: ARN(6),
  newTaskDefinitionArn: ARN(7),
  registered: true,
  imageChanges: [{ container: 'web', from: 'demo/web:1', to: 'demo/web:2' }],
  plan,
  batches: [batch(1, 0), batch(2, 35), batch(3, 70)],
  startedAt: T0,
  durationMs: 105_000,
  ...overrides,
});

const failure: RolloutFailure = {
  batch: 2,
  kind: 'target-unhealthy',
  message: 'batch 2: target 127.0.1.7:8080 of task 3f2a is unhealthy (Target.ResponseCodeMismatch)',
  taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/3f2a',
  target: { targetGroupArn: TG, id: '127.0.1.7', port: 8080 },
  reasonCode: 'Target.ResponseCodeMismatch',
  serviceEvents: [
    '(service web) has started 2 tasks: (task 3f2a) (task 9b1c).',
    '(service web) registered 2 targets in (target-group web)',
  ],
};

const rolledBack = (overrides: Partial<SummaryInput> = {}): SummaryInput =>
  succeeded({
    outcome: 'rolled-back',
    batches: [batch(1, 0), failedBatch(2, 35)],
    failure,
    rollback: { to: ARN(6), startedAt: s(50), finishedAt: s(80), ok: true, message: 'all 6 tasks run web:6' },
    durationMs: 80_000,
    ...overrides,
  });

function lines(text: string): string[] {
  return text.split('\n');
}

/** The lines of one `### title` section, up to the next heading. */
function section(text: string, title: string): string[] {
  const all = lines(text);
  const start = all.indexOf(`### ${title}`);
  if (start < 0) return [];
  const end = all.findIndex((line, i) => i > start && line.startsWith('### '));
  return all.slice(start + 1, end < 0 ? undefined : end);
}

describe('renderSummary: a successful rollout', () => {
  const text = renderSummary(succeeded());

  it('says the outcome first, in words', () => {
    expect(lines(text).slice(0, 3)).toEqual([
      '## ECS rolling deploy: default/web',
      '',
      '**Succeeded.** `default/web` runs the new task definition: 3 of 3 batches done in 1:45.',
    ]);
  });

  it('shows previous → new and the image changes', () => {
    const td = section(text, 'Task definition');
    expect(td).toContain('`web:6` → `web:7`');
    expect(td).toContain('| Container | Image before | Image after |');
    expect(td).toContain('| web | `demo/web:1` | `demo/web:2` |');
  });

  it('has a row per batch: tasks, launched, healthy, drained (from the start) and duration', () => {
    const table = section(text, 'Batches').filter((l) => l.startsWith('|'));
    expect(table).toEqual([
      '| Batch | Tasks | Launched | Healthy | Drained | Duration | Result |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      '| 1 | 2 | +0:05 | +0:20 | +0:35 | 0:35 | succeeded |',
      '| 2 | 2 | +0:40 | +0:55 | +1:10 | 0:35 | succeeded |',
      '| 3 | 2 | +1:15 | +1:30 | +1:45 | 0:35 | succeeded |',
    ]);
  });

  it('draws a mermaid gantt: per batch launch, health checks, drain', () => {
    const chart = section(text, 'Timeline');
    expect(chart.slice(1, 6)).toEqual([
      '```mermaid',
      'gantt',
      '    title Rollout of web',
      '    dateFormat x',
      '    axisFormat %H:%M:%S',
    ]);
    expect(chart).toContain('    section Batch 1');
    expect(chart).toContain(`    launch :${s(0)}, ${s(5)}`);
    expect(chart).toContain(`    health checks :${s(5)}, ${s(20)}`);
    expect(chart).toContain(`    drain old tasks :${s(20)}, ${s(35)}`);
    expect(chart).toContain(`    drain old tasks :${s(90)}, ${s(105)}`);
    expect(chart.filter((l) => l.includes(':crit'))).toEqual([]);
    expect(chart.filter((l) => l !== '').at(-1)).toBe('```');
  });

  it('has no failure or rollback section', () => {
    expect(text).not.toContain('### Failure');
    expect(text).not.toContain('### Rollback');
  });

  it('counts hours past an hour', () => {
    expect(renderSummary(succeeded({ durationMs: 3_725_000 }))).toContain('done in 1:02:05.');
  });
});

describe('renderSummary: a rolled-back rollout', () => {
  const text = renderSummary(rolledBack());

  it('says it failed and what was put back', () => {
    expect(lines(text)[2]).toBe(
      '**Rolled back.** The rollout of `default/web` failed in batch 2 and the previous task definition was put back (1:20 in all).',
    );
  });

  it('marks the failed batch in the table, with no drain time', () => {
    expect(section(text, 'Batches')).toContain('| 2 | 2 | +0:40 | — | — | 0:15 | failed |');
  });

  it('gives the failure with its reason, task, target and the service events', () => {
    const f = section(text, 'Failure');
    expect(f).toContain(failure.message);
    expect(f).toContain('- Batch: 2');
    expect(f).toContain('- Kind: target-unhealthy');
    expect(f).toContain('- Task: `arn:aws:ecs:us-east-1:123456789012:task/default/3f2a`');
    expect(f).toContain(`- Target: \`127.0.1.7:8080\` in \`${TG}\``);
    expect(f).toContain('- Reason: `Target.ResponseCodeMismatch`');
    expect(f).toContain('<details><summary>Service events since the rollout began (2)</summary>');
    const fence = f.indexOf('```text');
    expect(f.slice(fence + 1, fence + 3)).toEqual(failure.serviceEvents);
  });

  it('gives the rollback, and draws it in the gantt', () => {
    expect(section(text, 'Rollback')).toEqual([
      '',
      'Back to `web:6`: succeeded in 0:30.',
      '',
      'all 6 tasks run web:6',
      '',
    ]);
    const chart = section(text, 'Timeline');
    expect(chart).toContain('    section Rollback');
    expect(chart).toContain(`    restore previous :crit, ${s(50)}, ${s(80)}`);
    // The failed batch is marked, and ends where it failed.
    expect(chart).toContain(`    launch :crit, ${s(35)}, ${s(40)}`);
    expect(chart).toContain(`    health checks :crit, ${s(40)}, ${s(50)}`);
    expect(chart.filter((l) => l.startsWith('    drain old tasks'))).toHaveLength(1);
  });

  it('says a failure before the first batch in words', () => {
    const early = renderSummary(
      rolledBack({
        batches: [],
        failure: { batch: 0, kind: 'error', message: 'RegisterTaskDefinition was refused' },
      }),
    );
    expect(section(early, 'Failure')).toContain('- Batch: before the first batch');
    expect(section(early, 'Batches')).toContain('No batch started.');
    expect(early).not.toContain('<details>');
  });

  it('says a rollback that did not finish, or failed', () => {
    const unfinished = renderSummary(
      rolledBack({ outcome: 'failed', rollback: { to: ARN(6), startedAt: s(50) } }),
    );
    expect(lines(unfinished)[2]).toBe(
      '**Failed.** The rollout of `default/web` failed in batch 2, and so did putting the previous task definition back: the service needs attention.',
    );
    expect(section(unfinished, 'Rollback')).toContain('Back to `web:6`: did not finish.');
    expect(section(unfinished, 'Timeline')).not.toContain('    section Rollback');
    const failed = renderSummary(
      rolledBack({
        outcome: 'failed',
        rollback: { to: ARN(6), startedAt: s(50), finishedAt: s(70), ok: false },
      }),
    );
    expect(section(failed, 'Rollback')).toContain('Back to `web:6`: failed in 0:20.');
  });
});

describe('renderSummary: other outcomes', () => {
  it('failed with rollback-on-failure false says the service was left as ECS has it', () => {
    const text = renderSummary(without(rolledBack({ outcome: 'failed' }), 'rollback'));
    expect(lines(text)[2]).toBe(
      '**Failed.** The rollout of `default/web` failed in batch 2; the service was left as ECS has it (rollback-on-failure is false).',
    );
    expect(text).not.toContain('### Rollback');
  });

  it('a failure before any batch says no task was replaced, not that rollback was off', () => {
    const text = renderSummary(
      without(
        succeeded({
          outcome: 'failed',
          batches: [],
          failure: { batch: 0, kind: 'error', message: 'RegisterTaskDefinition: iam:PassRole denied' },
          durationMs: 2_000,
        }),
        'newTaskDefinitionArn',
      ),
    );
    expect(lines(text)[2]).toBe(
      '**Failed.** The rollout of `default/web` failed before the first batch; no task was replaced.',
    );
    expect(section(text, 'Failure')[1]).toBe('RegisterTaskDefinition: iam:PassRole denied');
  });

  it('cancelled says how far it got', () => {
    const text = renderSummary(
      succeeded({
        outcome: 'cancelled',
        batches: [
          batch(1, 0),
          {
            ...without(batch(2, 35), 'healthyAt', 'drainedAt', 'endedAt'),
            outcome: 'in-progress',
          },
        ],
      }),
    );
    expect(lines(text)[2]).toBe(
      '**Cancelled.** The rollout of `default/web` was cancelled after 1 of 3 batches (1:45).',
    );
    expect(section(text, 'Batches')).toContain('| 2 | 2 | +0:40 | — | — | — | in-progress |');
  });

  it('planned shows the batches the plan would run and changes nothing', () => {
    const text = renderSummary(
      without(succeeded({ outcome: 'planned', batches: [], durationMs: 0 }), 'newTaskDefinitionArn'),
    );
    expect(lines(text)[2]).toBe('**Planned.** Plan for `default/web`: nothing was changed.');
    const b = section(text, 'Batches');
    expect(b).toContain('6 tasks in 3 batches of up to 2 (maximumPercent 134, minimumHealthyPercent 100).');
    expect(b.filter((l) => /^\| \d/.test(l))).toEqual(['| 1 | 2 |', '| 2 | 2 |', '| 3 | 2 |']);
    expect(section(text, 'Task definition')).toContain('`web:6` → none');
    expect(text).not.toContain('```mermaid');
  });

  it('says when nothing was registered because the definition was unchanged', () => {
    const text = renderSummary(
      succeeded({ registered: false, newTaskDefinitionArn: ARN(6), imageChanges: [] }),
    );
    const td = section(text, 'Task definition');
    expect(td).toContain('`web:6` → `web:6`');
    expect(td).toContain(
      'The task definition was unchanged, so no new revision was registered; health was still verified.',
    );
    expect(td).toContain('No image changed.');
  });

  it('names added and removed containers', () => {
    const td = section(
      renderSummary(
        succeeded({
          imageChanges: [
            { container: 'otel', to: 'otel:1' },
            { container: 'envoy', from: 'envoy:1' },
          ],
        }),
      ),
      'Task definition',
    );
    expect(td).toContain('| otel | (new container) | `otel:1` |');
    expect(td).toContain('| envoy | `envoy:1` | (removed) |');
  });

  it('shows notes under the outcome', () => {
    const text = renderSummary(succeeded({ notes: ['batch size 2 rounds to 3 with 5 tasks'] }));
    expect(lines(text).slice(3, 5)).toEqual(['', '> batch size 2 rounds to 3 with 5 tasks']);
  });
});

describe('renderSummary: escaping', () => {
  it('escapes | and newlines in table cells', () => {
    expect(cell('a|b\nc\r\nd')).toBe('a\\|b<br>c<br>d');
    expect(cell('<img src=x>')).toBe('&lt;img src=x&gt;');
    const td = section(
      renderSummary(succeeded({ imageChanges: [{ container: 'we|b\nx', from: 'a|1', to: 'b`2' }] })),
      'Task definition',
    );
    expect(td).toContain("| we\\|b<br>x | `a\\|1` | `b'2` |");
  });

  it('keeps HTML out of prose and backticks out of code spans', () => {
    const text = renderSummary(
      rolledBack({
        service: 'we`b',
        failure: { ...failure, message: 'stopped: <script>alert(1)</script> & more', reasonCode: 'a`b' },
      }),
    );
    expect(text).toContain('stopped: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(text).not.toContain('<script>');
    expect(text).toContain("- Reason: `a'b`");
    expect(text).toContain("`default/we'b`");
  });

  it('fences service events with a fence longer than any backtick run in them', () => {
    const f = section(
      renderSummary(
        rolledBack({ failure: { ...failure, serviceEvents: ['has ``` inside', 'and ```` too'] } }),
      ),
      'Failure',
    );
    expect(f).toContain('`````text');
    expect(f.filter((l) => l === '`````')).toHaveLength(1);
  });

  it('keeps mermaid syntax out of the chart title', () => {
    const chart = section(renderSummary(succeeded({ service: 'web:api;#1' })), 'Timeline');
    expect(chart).toContain('    title Rollout of web api  1');
  });
});

describe('renderSummary: the size cap', () => {
  const manyEvents = (n: number, width = 200): string[] =>
    Array.from({ length: n }, (_, i) => `event ${String(i).padStart(6, '0')} ${'x'.repeat(width)}`);

  it('stays under GitHub`s 1 MiB by cutting the oldest service events first', () => {
    const events = manyEvents(8000);
    const text = renderSummary(rolledBack({ failure: { ...failure, serviceEvents: events } }));
    const size = Buffer.byteLength(text, 'utf8');
    expect(size).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES);
    expect(size).toBeGreaterThan(SUMMARY_LIMIT_BYTES - 1000);
    // The newest event is kept, the oldest cut, and the cut is said.
    expect(text).toContain(events.at(-1));
    expect(text).not.toContain(events[0]);
    expect(text).toMatch(/\n\d+ earlier events not shown \(summary size limit\)\.\n/);
    expect(text).toContain('<details><summary>Service events since the rollout began (8000)</summary>');
    // Everything else is still there.
    expect(text).toContain('### Rollback');
    expect(text).toContain('```mermaid');
  });

  it('keeps every event when they fit', () => {
    const events = manyEvents(50);
    const text = renderSummary(rolledBack({ failure: { ...failure, serviceEvents: events } }));
    for (const event of events) expect(text).toContain(event);
    expect(text).not.toContain('earlier events not shown');
  });

  it('drops the chart, then table rows, when events alone are not enough', () => {
    const batches = Array.from({ length: 200 }, (_, i) => batch(i + 1, i * 35));
    const full = renderSummary(succeeded({ batches }));
    const noChart = renderSummary(succeeded({ batches }), { maxBytes: full.indexOf('### Timeline') + 10 });
    expect(noChart).not.toContain('```mermaid');
    expect(noChart).toContain('| 200 | 2 |');
    const fewRows = renderSummary(succeeded({ batches }), { maxBytes: 3000 });
    expect(Buffer.byteLength(fewRows)).toBeLessThanOrEqual(3000);
    expect(fewRows).toMatch(/\n\d+ more batches not shown \(summary size limit\)\.\n/);
    expect(fewRows).toContain('| 1 | 2 |');
    expect(fewRows.startsWith('## ECS rolling deploy: default/web')).toBe(true);
  });

  it('cuts the text itself as a last resort, within the limit even with multi-byte characters', () => {
    const text = renderSummary(succeeded({ notes: ['é'.repeat(2000)] }), { maxBytes: 500 });
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(500);
    expect(text.endsWith('(summary cut at the size limit)\n')).toBe(true);
    expect(text).not.toContain('\uFFFD');
  });
});

describe('taskDefinitionName', () => {
  it('turns a task definition ARN into family:revision and leaves anything else', () => {
    expect(taskDefinitionName(ARN(7))).toBe('web:7');
    expect(taskDefinitionName('web:7')).toBe('web:7');
  });
});

describe('createSummaryCollector', () => {
  it('gathers the plan, batches, failure and rollback from the engine`s events', async () => {
    const { listener, collected } = createSummaryCollector();
    const record1 = batch(1, 0);
    await listener({ type: 'rollout-started', at: T0, plan, from: ARN(6), to: ARN(7) });
    await listener({ type: 'batch-started', at: s(0), batch: 1, batches: 3, tasks: 2 });
    await listener({ type: 'batch-succeeded', at: s(35), record: record1 });
    await listener({ type: 'batch-started', at: s(35), batch: 2, batches: 3, tasks: 2 });
    await listener({ type: 'failed', at: s(50), failure });
    await listener({ type: 'rollback-started', at: s(50), to: ARN(6) });
    await listener({ type: 'rollback-finished', at: s(80), ok: true, message: 'restored' });
    await listener({ type: 'rollout-finished', at: s(80), outcome: 'rolled-back', batches: [record1] });
    const c = collected();
    expect(c).toMatchObject({
      plan,
      from: ARN(6),
      to: ARN(7),
      startedAt: T0,
      finishedAt: s(80),
      outcome: 'rolled-back',
      failure,
      rollback: { to: ARN(6), startedAt: s(50), finishedAt: s(80), ok: true, message: 'restored' },
    });
    expect(c.batches).toEqual([
      record1,
      { batch: 2, tasks: 2, startedAt: s(35), outcome: 'failed', endedAt: s(50) },
    ]);
    const text = renderSummary({
      cluster: 'default',
      service: 'web',
      outcome: c.outcome ?? 'failed',
      ...(c.from !== undefined ? { previousTaskDefinitionArn: c.from } : {}),
      ...(c.to !== undefined ? { newTaskDefinitionArn: c.to } : {}),
      imageChanges: [],
      batches: c.batches,
      ...(c.failure ? { failure: c.failure } : {}),
      ...(c.rollback ? { rollback: c.rollback } : {}),
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      durationMs: (c.finishedAt ?? T0) - T0,
    });
    expect(section(text, 'Batches')).toContain('| 2 | 2 | — | — | — | 0:15 | failed |');
  });
});
