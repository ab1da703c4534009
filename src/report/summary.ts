// The job summary (GITHUB_STEP_SUMMARY) and the check run's text: what happened, in markdown. Pure:
// renderSummary turns a finished rollout into a string; createSummaryCollector gathers one from the
// engine's events.
import { taskDefinitionName } from '../rollout/describe-state.js';
import type { BatchPlan, BatchRecord, Outcome, RolloutFailure, RolloutListener } from '../rollout/types.js';
import type { ImageChange } from '../taskdef.js';

/** GitHub refuses a step summary above 1 MiB. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

export interface RollbackRecord {
  /** Task definition ARN the service was put back on. */
  to: string;
  startedAt: number;
  finishedAt?: number;
  ok?: boolean;
  message?: string;
}

export interface SummaryInput {
  cluster: string;
  service: string;
  outcome: Outcome | 'planned';
  previousTaskDefinitionArn?: string;
  newTaskDefinitionArn?: string;
  /** False when the new definition equalled the current one, so no revision was registered. */
  registered?: boolean;
  imageChanges: readonly ImageChange[];
  plan?: BatchPlan;
  batches: readonly BatchRecord[];
  failure?: RolloutFailure;
  rollback?: RollbackRecord;
  /** When the rollout began (ms since the epoch); the table's times are counted from it. */
  startedAt?: number;
  durationMs: number;
  /** Extra lines worth a reader's attention (warnings), shown under the outcome. */
  notes?: readonly string[];
}

export interface RenderOptions {
  /** Cap on the UTF-8 size; the service events are cut first. Default SUMMARY_LIMIT_BYTES. */
  maxBytes?: number;
}

export function renderSummary(input: SummaryInput, options: RenderOptions = {}): string {
  const maxBytes = options.maxBytes ?? SUMMARY_LIMIT_BYTES;
  const events = input.failure?.serviceEvents ?? [];
  const build = (keptEvents: number, withChart: boolean, rows: number): string =>
    [
      header(input),
      taskDefinitions(input),
      batchTable(input, rows),
      failureSection(input, events.slice(events.length - keptEvents), events.length),
      rollbackSection(input),
      withChart ? gantt(input) : '',
    ]
      .filter((part) => part !== '')
      .join('\n\n') + '\n';

  const rows = input.batches.length;
  let text = build(events.length, true, rows);
  if (bytes(text) <= maxBytes) return text;

  // Too big: keep the newest service events that fit (they are the ones nearest the failure).
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bytes(build(mid, true, rows)) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  text = build(low, true, rows);
  if (bytes(text) <= maxBytes) return text;
  text = build(0, false, rows);
  if (bytes(text) <= maxBytes) return text;
  for (let kept = Math.floor(rows / 2); kept > 0; kept = Math.floor(kept / 2)) {
    text = build(0, false, kept);
    if (bytes(text) <= maxBytes) return text;
  }
  return cutToBytes(build(0, false, 0), maxBytes);
}

// ---------------------------------------------------------------------------------------------

const OUTCOME_WORD: Record<SummaryInput['outcome'], string> = {
  succeeded: 'Succeeded',
  'rolled-back': 'Rolled back',
  failed: 'Failed',
  cancelled: 'Cancelled',
  planned: 'Planned',
};

function header(input: SummaryInput): string {
  const target = `\`${code(input.cluster)}/${code(input.service)}\``;
  const took = clock(input.durationMs);
  const done = input.batches.filter((b) => b.outcome === 'succeeded').length;
  const total = input.plan?.batches.length ?? input.batches.length;
  const batch = input.failure?.batch;
  const where = batch === undefined ? '' : batch === 0 ? ' before the first batch' : ` in batch ${batch}`;
  let sentence: string;
  switch (input.outcome) {
    case 'succeeded':
      sentence = `${target} runs the new task definition: ${done} of ${total} batches done in ${took}.`;
      break;
    case 'rolled-back':
      sentence = `The rollout of ${target} failed${where} and the previous task definition was put back (${took} in all).`;
      break;
    case 'failed':
      if (input.rollback) {
        sentence = `The rollout of ${target} failed${where}, and so did putting the previous task definition back: the service needs attention.`;
      } else if (batch === 0 || input.batches.length === 0) {
        // Preflight, registration or the first UpdateService: no task of the service was replaced.
        sentence = `The rollout of ${target} failed${where}; no task was replaced.`;
      } else {
        sentence = `The rollout of ${target} failed${where}; the service was left as ECS has it (rollback-on-failure is false).`;
      }
      break;
    case 'cancelled':
      sentence = `The rollout of ${target} was cancelled after ${done} of ${total} batches (${took}).`;
      break;
    case 'planned':
      sentence = `Plan for ${target}: nothing was changed.`;
      break;
  }
  const lines = [
    `## ECS rolling deploy: ${text(input.cluster)}/${text(input.service)}`,
    '',
    `**${OUTCOME_WORD[input.outcome]}.** ${sentence}`,
  ];
  for (const note of input.notes ?? []) lines.push('', `> ${text(note)}`);
  return lines.join('\n');
}

function taskDefinitions(input: SummaryInput): string {
  const from = input.previousTaskDefinitionArn
    ? `\`${code(taskDefinitionName(input.previousTaskDefinitionArn))}\``
    : 'none';
  const to = input.newTaskDefinitionArn
    ? `\`${code(taskDefinitionName(input.newTaskDefinitionArn))}\``
    : 'none';
  const lines = ['### Task definition', '', `${from} → ${to}`];
  if (input.registered === false) {
    lines.push(
      '',
      'The task definition was unchanged, so no new revision was registered; health was still verified.',
    );
  }
  if (input.imageChanges.length > 0) {
    lines.push('', '| Container | Image before | Image after |', '| --- | --- | --- |');
    for (const change of input.imageChanges) {
      lines.push(
        `| ${cell(change.container)} | ${change.from ? codeCell(change.from) : '(new container)'} | ${change.to ? codeCell(change.to) : '(removed)'} |`,
      );
    }
  } else {
    lines.push('', 'No image changed.');
  }
  return lines.join('\n');
}

function batchTable(input: SummaryInput, rows: number): string {
  const lines = ['### Batches', ''];
  if (input.outcome === 'planned' && input.plan) {
    const { plan } = input;
    lines.push(
      `${plan.desired} tasks in ${plan.batches.length} batches of up to ${plan.batchSize} (maximumPercent ${plan.settings.maximumPercent}, minimumHealthyPercent ${plan.settings.minimumHealthyPercent}).`,
      '',
      '| Batch | Tasks |',
      '| ---: | ---: |',
      ...plan.batches.map((size, i) => `| ${i + 1} | ${size} |`),
    );
    return lines.join('\n');
  }
  if (input.batches.length === 0) {
    lines.push('No batch started.');
    return lines.join('\n');
  }
  const origin = input.startedAt ?? input.batches[0]?.startedAt ?? 0;
  const at = (t: number | undefined): string => (t === undefined ? '—' : `+${clock(t - origin)}`);
  lines.push(
    '| Batch | Tasks | Launched | Healthy | Drained | Duration | Result |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  const shown = input.batches.slice(0, rows);
  for (const b of shown) {
    const end = b.endedAt ?? b.drainedAt;
    lines.push(
      `| ${b.batch} | ${b.tasks} | ${at(b.launchedAt)} | ${at(b.healthyAt)} | ${at(b.drainedAt)} | ${end === undefined ? '—' : clock(end - b.startedAt)} | ${b.outcome} |`,
    );
  }
  if (shown.length < input.batches.length) {
    lines.push('', `${input.batches.length - shown.length} more batches not shown (summary size limit).`);
  }
  return lines.join('\n');
}

function failureSection(input: SummaryInput, events: readonly string[], allEvents: number): string {
  const f = input.failure;
  if (!f) return '';
  const lines = ['### Failure', '', text(f.message), ''];
  lines.push(`- Batch: ${f.batch === 0 ? 'before the first batch' : f.batch}`);
  lines.push(`- Kind: ${f.kind}`);
  if (f.taskArn) lines.push(`- Task: \`${code(f.taskArn)}\``);
  if (f.target) {
    lines.push(
      `- Target: \`${code(`${f.target.id}:${f.target.port}`)}\` in \`${code(f.target.targetGroupArn)}\``,
    );
  }
  if (f.reasonCode) lines.push(`- Reason: \`${code(f.reasonCode)}\``);
  if (allEvents > 0) {
    const cut = allEvents - events.length;
    lines.push('', `<details><summary>Service events since the rollout began (${allEvents})</summary>`, '');
    if (cut > 0) lines.push(`${cut} earlier events not shown (summary size limit).`, '');
    if (events.length > 0) lines.push(fenced(events.join('\n')));
    lines.push('', '</details>');
  }
  return lines.join('\n');
}

function rollbackSection(input: SummaryInput): string {
  const r = input.rollback;
  if (!r) return '';
  const result = r.ok === undefined ? 'did not finish' : r.ok ? 'succeeded' : 'failed';
  const took = r.finishedAt === undefined ? '' : ` in ${clock(r.finishedAt - r.startedAt)}`;
  const lines = ['### Rollback', '', `Back to \`${code(taskDefinitionName(r.to))}\`: ${result}${took}.`];
  if (r.message) lines.push('', text(r.message));
  return lines.join('\n');
}

/**
 * A mermaid gantt, which GitHub renders in markdown: per batch the launch, the health checks and
 * the drain of the old tasks; then the rollback. `dateFormat x` reads milliseconds since the epoch.
 */
function gantt(input: SummaryInput): string {
  const bars: string[] = [];
  for (const b of input.batches) {
    const crit = b.outcome === 'failed' ? 'crit, ' : '';
    const steps: [string, number | undefined, number | undefined][] = [
      ['launch', b.startedAt, b.launchedAt],
      ['health checks', b.launchedAt, b.healthyAt],
      ['drain old tasks', b.healthyAt, b.drainedAt],
    ];
    const section: string[] = [];
    for (const [label, start, end] of steps) {
      if (start === undefined) continue;
      const stop = end ?? (b.outcome === 'failed' ? b.endedAt : undefined);
      if (stop === undefined) continue;
      section.push(`    ${label} :${crit}${Math.round(start)}, ${Math.round(Math.max(stop, start))}`);
    }
    if (section.length > 0) bars.push(`    section Batch ${b.batch}`, ...section);
  }
  const r = input.rollback;
  if (r && r.finishedAt !== undefined) {
    bars.push(
      '    section Rollback',
      `    restore previous :crit, ${Math.round(r.startedAt)}, ${Math.round(Math.max(r.finishedAt, r.startedAt))}`,
    );
  }
  if (bars.length === 0) return '';
  return [
    '### Timeline',
    '',
    '```mermaid',
    'gantt',
    `    title Rollout of ${mermaidText(input.service)}`,
    '    dateFormat x',
    '    axisFormat %H:%M:%S',
    ...bars,
    '```',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

/** Collects what renderSummary needs from the engine's events. */
export interface CollectedRollout {
  plan?: BatchPlan;
  from?: string;
  to?: string;
  startedAt?: number;
  finishedAt?: number;
  outcome?: Outcome;
  batches: BatchRecord[];
  failure?: RolloutFailure;
  rollback?: RollbackRecord;
}

export function createSummaryCollector(): { listener: RolloutListener; collected(): CollectedRollout } {
  const state: CollectedRollout = { batches: [] };
  const upsert = (record: BatchRecord): void => {
    const index = state.batches.findIndex((b) => b.batch === record.batch);
    if (index >= 0) state.batches[index] = record;
    else state.batches.push(record);
  };
  const listener: RolloutListener = (event) => {
    switch (event.type) {
      case 'rollout-started':
        state.plan = event.plan;
        state.from = event.from;
        state.to = event.to;
        state.startedAt = event.at;
        break;
      case 'batch-started':
        upsert({ batch: event.batch, tasks: event.tasks, startedAt: event.at, outcome: 'in-progress' });
        break;
      case 'batch-succeeded':
        upsert(event.record);
        break;
      case 'failed': {
        state.failure = event.failure;
        const open = state.batches.find(
          (b) => b.batch === event.failure.batch && b.outcome === 'in-progress',
        );
        if (open) upsert({ ...open, outcome: 'failed', endedAt: event.at });
        break;
      }
      case 'rollback-started':
        state.rollback = { to: event.to, startedAt: event.at };
        break;
      case 'rollback-finished':
        if (state.rollback) {
          state.rollback = { ...state.rollback, finishedAt: event.at, ok: event.ok, message: event.message };
        }
        break;
      case 'rollout-finished':
        state.outcome = event.outcome;
        state.finishedAt = event.at;
        for (const record of event.batches) upsert(record);
        break;
      default:
        break;
    }
  };
  return {
    listener,
    collected: () => ({ ...state, batches: [...state.batches].sort((a, b) => a.batch - b.batch) }),
  };
}

// ---------------------------------------------------------------------------------------------

/** `m:ss`, or `h:mm:ss` past an hour. */
function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Prose: no raw HTML from AWS messages. */
function text(value: string): string {
  return escapeHtml(value);
}

/** Inside backticks: a backtick would end the span early. */
function code(value: string): string {
  return value.replace(/`/g, "'");
}

/** A table cell: `|` would start a new cell and a newline would end the row. */
export function cell(value: string): string {
  return escapeHtml(value).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/**
 * A code span in a table cell. Entities are not decoded inside a code span, so no HTML escaping
 * here; GFM still reads `\|` as a pipe inside one, so the cell does not split.
 */
function codeCell(value: string): string {
  return `\`${code(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

/** A fenced block whose fence is longer than any backtick run inside it. */
function fenced(body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${body}\n${fence}`;
}

/** Mermaid reads `:` and `;` as syntax and `#` as an entity start in task and title text. */
function mermaidText(value: string): string {
  return value.replace(/[:;#\n\r]/g, ' ');
}

function bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

function cutToBytes(value: string, maxBytes: number): string {
  const note = '\n\n(summary cut at the size limit)\n';
  const room = Math.max(0, maxBytes - bytes(note));
  let cut = Buffer.from(value, 'utf8').subarray(0, room).toString('utf8');
  // A cut inside a multi-byte character leaves U+FFFD, which may be 3 bytes: trim until it fits.
  while (bytes(cut) > room) cut = cut.slice(0, -1);
  return cut + note;
}
