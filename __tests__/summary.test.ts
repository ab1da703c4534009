// The job summary: outcome first, previous -> new with image changes, the batch table (launched,
// healthy, passed, old tasks drained), the failure with its service events, the rollback, the
// mermaid gantt (launch, health checks, bake, drain); escaping and the size cap; and the collector
// that folds the engine's events into what is rendered. No snapshots: each test asserts the lines a
// reader relies on.
import { describe, it, expect } from '@jest/globals';
import { cell } from '../src/report/markdown.js';
import { SUMMARY_LIMIT_BYTES, renderSummary } from '../src/report/summary.js';
import { createSummaryCollector } from '../src/report/summary-collect.js';
import type { BatchPlan, BatchRecord, RolloutFailure } from '../src/rollout/types.js';
import { taskDefinitionName } from '../src/rollout/words.js';
import type { SummaryInput } from '../src/report/summary-input.js';

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
  hold: { maximumPercent: 100, minimumHealthyPercent: 100 },
  releases: [
    { maximumPercent: 134, minimumHealthyPercent: 100 },
    { maximumPercent: 134, minimumHealthyPercent: 100 },
    { maximumPercent: 134, minimumHealthyPercent: 100 },
  ],
};

/**
 * A batch that passed: released at `start`, launched 5 s later, every gate green at +20 s, the
 * verdict after `bake` more seconds; its 2 old tasks drained 15 s after the new ones were healthy.
 */
const batch = (n: number, start: number, bake = 0): BatchRecord => ({
  batch: n,
  tasks: 2,
  startedAt: s(start),
  launchedAt: s(start + 5),
  healthyAt: s(start + 20),
  endedAt: s(start + 20 + bake),
  oldTasks: 2,
  drainStartedAt: s(start + 20),
  drainedAt: s(start + 35),
  outcome: 'succeeded',
});

/** A batch whose new tasks launched but failed their health checks 15 s after its release. */
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
  // With overlap each batch is released at the previous one's verdict, while its old tasks drain.
  batches: [batch(1, 0), batch(2, 20), batch(3, 40)],
  startedAt: T0,
  durationMs: 75_000,
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
    batches: [batch(1, 0), failedBatch(2, 20)],
    failure,
    rollback: { to: ARN(6), startedAt: s(36), finishedAt: s(66), ok: true, message: 'all 6 tasks run web:6' },
    durationMs: 66_000,
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
      '**Succeeded.** `default/web` runs the new task definition: 3 of 3 batches done in 01:15.',
    ]);
  });

  it('shows previous → new and the image changes', () => {
    const td = section(text, 'Task definition');
    expect(td).toContain('`web:6` → `web:7`');
    expect(td).toContain('| Container | Image before | Image after |');
    expect(td).toContain('| web | `demo/web:1` | `demo/web:2` |');
  });

  it('has a row per batch: launched, healthy, passed and its old tasks drained, counted from the start', () => {
    const table = section(text, 'Batches').filter((l) => l.startsWith('|'));
    expect(table).toEqual([
      '| Batch | Tasks | Launched | Healthy | Passed | Old tasks drained | Result |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      '| 1 | 2 | +00:05 | +00:20 | +00:20 | 2 at +00:35 | succeeded |',
      '| 2 | 2 | +00:25 | +00:40 | +00:40 | 2 at +00:55 | succeeded |',
      '| 3 | 2 | +00:45 | +01:00 | +01:00 | 2 at +01:15 | succeeded |',
    ]);
  });

  it('shows old tasks still draining, and the verdict after a bake time', () => {
    const table = section(
      renderSummary(
        succeeded({ batches: [batch(1, 0, 30), { ...without(batch(2, 50), 'drainedAt'), oldTasks: 1 }] }),
      ),
      'Batches',
    );
    // Healthy at +00:20, passed after the 30 s bake; the old tasks drained during the bake.
    expect(table).toContain('| 1 | 2 | +00:05 | +00:20 | +00:50 | 2 at +00:35 | succeeded |');
    expect(table).toContain('| 2 | 2 | +00:55 | +01:10 | +01:10 | 1 draining | succeeded |');
  });

  it('draws a mermaid gantt: per batch launch, health checks and the drain of its old tasks', () => {
    const chart = section(text, 'Timeline');
    expect(chart.slice(1, 6)).toEqual([
      '```mermaid',
      'gantt',
      '    title Rollout of web',
      '    dateFormat x',
      '    axisFormat %H:%M:%S',
    ]);
    const batch1 = chart.slice(
      chart.indexOf('    section Batch 1') + 1,
      chart.indexOf('    section Batch 2'),
    );
    expect(batch1).toEqual([
      `    launch :${s(0)}, ${s(5)}`,
      `    health checks :${s(5)}, ${s(20)}`,
      // The old tasks go as the new ones turn healthy, and drain while the next batch runs.
      `    drain old tasks :${s(20)}, ${s(35)}`,
    ]);
    expect(chart).toContain(`    drain old tasks :${s(60)}, ${s(75)}`);
    // No bake time: no bake bar.
    expect(chart.filter((l) => l.includes('bake'))).toEqual([]);
    expect(chart.filter((l) => l.includes(':crit'))).toEqual([]);
    expect(chart.filter((l) => l !== '').at(-1)).toBe('```');
  });

  it('draws the bake time, with the drain overlapping it', () => {
    const chart = section(renderSummary(succeeded({ batches: [batch(1, 0, 30)] })), 'Timeline');
    expect(chart).toContain(`    bake :${s(20)}, ${s(50)}`);
    expect(chart).toContain(`    drain old tasks :${s(20)}, ${s(35)}`);
  });

  it('draws the drain from when its old tasks were seen told to stop, before the new ones were healthy too', () => {
    // max-unavailable: the old tasks are stopped first, and were gone before the new ones passed.
    const chart = section(
      renderSummary(succeeded({ batches: [{ ...batch(1, 0), drainStartedAt: s(0), drainedAt: s(12) }] })),
      'Timeline',
    );
    expect(chart).toContain(`    drain old tasks :${s(0)}, ${s(12)}`);
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
      '**Rolled back.** The rollout of `default/web` failed in batch 2 and the previous task definition was put back (01:06 in all).',
    );
  });

  it('marks the failed batch in the table: launched, never healthy, no verdict, no drain', () => {
    expect(section(text, 'Batches')).toContain('| 2 | 2 | +00:25 | — | — | — | failed |');
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
      'Back to `web:6`: succeeded in 00:30.',
      '',
      'all 6 tasks run web:6',
      '',
    ]);
    const chart = section(text, 'Timeline');
    expect(chart).toContain('    section Rollback');
    expect(chart).toContain(`    restore previous :crit, ${s(36)}, ${s(66)}`);
    // The failed batch is marked, and ends where it failed.
    expect(chart).toContain(`    launch :crit, ${s(20)}, ${s(25)}`);
    expect(chart).toContain(`    health checks :crit, ${s(25)}, ${s(35)}`);
    expect(chart.filter((l) => l.startsWith('    drain old tasks'))).toHaveLength(1);
    expect(chart.filter((l) => l.startsWith('    bake'))).toHaveLength(0);
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
    expect(section(failed, 'Rollback')).toContain('Back to `web:6`: failed in 00:20.');
  });
});

describe('renderSummary: other outcomes', () => {
  it('failed without a rollback says the previous definition was not put back, and the engine`s why below', () => {
    const left =
      'rollback-on-failure is false, so the service is left as ECS has it: service web (desired 6): deployments PRIMARY web:7; ' +
      "tasks 6 of web:7 (4 healthy); ECS goes on with it under the service's own deployment settings.";
    const text = renderSummary(without(rolledBack({ outcome: 'failed', notes: [left] }), 'rollback'));
    expect(lines(text).slice(2, 5)).toEqual([
      '**Failed.** The rollout of `default/web` failed in batch 2; the previous task definition was not put back.',
      '',
      `> ${left}`,
    ]);
    expect(text).not.toContain('### Rollback');
    // The same words when another deployment replaced ours: the header claims no cause it does not know.
    const superseded = renderSummary(without(rolledBack({ outcome: 'failed' }), 'rollback'));
    expect(superseded).not.toContain('rollback-on-failure');
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
            ...without(batch(2, 20), 'healthyAt', 'drainedAt', 'endedAt', 'oldTasks'),
            outcome: 'in-progress',
          },
        ],
      }),
    );
    expect(lines(text)[2]).toBe(
      '**Cancelled.** The rollout of `default/web` was cancelled after 1 of 3 batches (01:15).',
    );
    expect(section(text, 'Batches')).toContain('| 2 | 2 | +00:25 | — | — | — | in-progress |');
  });

  it('planned shows the batches the plan would run and changes nothing', () => {
    const text = renderSummary(
      without(succeeded({ outcome: 'planned', batches: [], durationMs: 0 }), 'newTaskDefinitionArn'),
    );
    expect(lines(text)[2]).toBe('**Planned.** Plan for `default/web`: nothing was changed.');
    const b = section(text, 'Batches');
    expect(b).toContain(
      '6 tasks in 3 batches of up to 2, each released by the action and held until it passes.',
    );
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
    const batches = Array.from({ length: 200 }, (_, i) => batch(i + 1, i * 20));
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
    await listener({ type: 'batch-succeeded', at: s(20), record: without(record1, 'drainedAt') });
    await listener({ type: 'batch-started', at: s(20), batch: 2, batches: 3, tasks: 2 });
    await listener({ type: 'batch-drained', at: s(35), record: record1 });
    await listener({ type: 'failed', at: s(35), failure });
    await listener({
      type: 'rollback-started',
      at: s(36),
      to: ARN(6),
      how: 'StopServiceDeployment (ROLLBACK)',
    });
    await listener({ type: 'rollback-finished', at: s(66), ok: true, message: 'restored' });
    await listener({ type: 'rollout-finished', at: s(66), outcome: 'rolled-back', batches: [record1] });
    const c = collected();
    expect(c).toMatchObject({
      plan,
      from: ARN(6),
      to: ARN(7),
      startedAt: T0,
      finishedAt: s(66),
      outcome: 'rolled-back',
      failure,
      rollback: { to: ARN(6), startedAt: s(36), finishedAt: s(66), ok: true, message: 'restored' },
    });
    expect(c.batches).toEqual([
      record1,
      { batch: 2, tasks: 2, startedAt: s(20), outcome: 'failed', endedAt: s(35) },
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
    expect(section(text, 'Batches')).toContain(
      '| 1 | 2 | +00:05 | +00:20 | +00:20 | 2 at +00:35 | succeeded |',
    );
    expect(section(text, 'Batches')).toContain('| 2 | 2 | — | — | — | — | failed |');
  });

  it('folds batch-launched, batch-healthy and batch-drained into the batch`s row as they come', async () => {
    const { listener, collected } = createSummaryCollector();
    await listener({ type: 'rollout-started', at: T0, plan, from: ARN(6), to: ARN(7) });
    await listener({ type: 'batch-started', at: s(1), batch: 1, batches: 3, tasks: 2 });
    await listener({ type: 'batch-launched', at: s(5), batch: 1, batches: 3, tasks: 2 });
    expect(collected().batches).toEqual([
      { batch: 1, tasks: 2, startedAt: s(1), launchedAt: s(5), outcome: 'in-progress' },
    ]);
    await listener({ type: 'batch-healthy', at: s(20), batch: 1, batches: 3, bakeMs: 30_000 });
    // A second word of health keeps the first time: the bake time counts from it.
    await listener({ type: 'batch-healthy', at: s(25), batch: 1, batches: 3, bakeMs: 30_000 });
    expect(collected().batches[0]).toMatchObject({
      launchedAt: s(5),
      healthyAt: s(20),
      outcome: 'in-progress',
    });
    // An event for a batch never started changes nothing.
    await listener({ type: 'batch-launched', at: s(6), batch: 2, batches: 3, tasks: 2 });
    expect(collected().batches).toHaveLength(1);
    const verdict: BatchRecord = {
      batch: 1,
      tasks: 2,
      startedAt: s(1),
      launchedAt: s(5),
      healthyAt: s(20),
      endedAt: s(50),
      oldTasks: 1,
      outcome: 'succeeded',
    };
    await listener({ type: 'batch-succeeded', at: s(50), record: verdict });
    expect(collected().batches[0]).toEqual(verdict);
    await listener({
      type: 'batch-drained',
      at: s(65),
      record: { ...verdict, oldTasks: 2, drainedAt: s(65) },
    });
    expect(collected().batches[0]).toEqual({ ...verdict, oldTasks: 2, drainedAt: s(65) });
  });

  it('records a rollback that could not be started (no rollback-started), so the summary does not say it was off', async () => {
    const { listener, collected } = createSummaryCollector();
    await listener({ type: 'rollout-started', at: T0, plan, from: ARN(6), to: ARN(7) });
    await listener({ type: 'batch-started', at: s(1), batch: 1, batches: 3, tasks: 2 });
    await listener({ type: 'failed', at: s(30), failure: { ...failure, batch: 1 } });
    await listener({
      type: 'rollback-finished',
      at: s(31),
      ok: false,
      message: 'rollback to web:6 could not be started: AccessDeniedException',
    });
    const c = collected();
    expect(c.rollback).toEqual({
      to: ARN(6),
      startedAt: s(31),
      finishedAt: s(31),
      ok: false,
      message: 'rollback to web:6 could not be started: AccessDeniedException',
    });
    const text = renderSummary({
      cluster: 'default',
      service: 'web',
      outcome: 'failed',
      imageChanges: [],
      batches: c.batches,
      ...(c.failure ? { failure: c.failure } : {}),
      ...(c.rollback ? { rollback: c.rollback } : {}),
      durationMs: 31_000,
    });
    expect(lines(text)[2]).toContain('and so did putting the previous task definition back');
    expect(section(text, 'Rollback')).toContain('Back to `web:6`: failed in 00:00.');
  });
});
