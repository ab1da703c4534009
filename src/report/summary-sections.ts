// The sections of one rollout's job summary, each a markdown string ('' when it has nothing to say):
// the header, the task definitions, the batch table, the failure, the rollback, the timeline chart.
import { formatElapsed, taskDefinitionName } from '../rollout/words.js';
import { cell, code, codeCell, fenced, mermaidText, text } from './markdown.js';
import { OUTCOME_WORD, type SummaryInput } from './summary-input.js';

export function header(input: SummaryInput): string {
  const target = `\`${code(input.cluster)}/${code(input.service)}\``;
  const took = formatElapsed(input.durationMs);
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
        // Why (rollback-on-failure false, another deployment took over, settings not put back) and
        // what the service is left as are the engine's words, in the notes below.
        sentence = `The rollout of ${target} failed${where}; the previous task definition was not put back.`;
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

export function taskDefinitions(input: SummaryInput): string {
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

export function batchTable(input: SummaryInput, rows: number): string {
  const lines = ['### Batches', ''];
  if (input.outcome === 'planned' && input.plan) {
    const { plan } = input;
    lines.push(
      `${plan.desired} tasks in ${plan.batches.length} batches of up to ${plan.batchSize}, each released by the action and held until it passes.`,
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
  const at = (t: number | undefined): string => (t === undefined ? '—' : `+${formatElapsed(t - origin)}`);
  lines.push(
    '| Batch | Tasks | Launched | Healthy | Passed | Old tasks drained | Result |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  const shown = input.batches.slice(0, rows);
  for (const b of shown) {
    const drained =
      b.drainedAt !== undefined
        ? `${b.oldTasks ?? b.tasks} at ${at(b.drainedAt)}`
        : b.oldTasks
          ? `${b.oldTasks} draining`
          : '—';
    lines.push(
      `| ${b.batch} | ${b.tasks} | ${at(b.launchedAt)} | ${at(b.healthyAt)} | ${b.outcome === 'succeeded' ? at(b.endedAt) : '—'} | ${drained} | ${b.outcome} |`,
    );
  }
  if (shown.length < input.batches.length) {
    lines.push('', `${input.batches.length - shown.length} more batches not shown (summary size limit).`);
  }
  return lines.join('\n');
}

export function failureSection(input: SummaryInput, events: readonly string[], allEvents: number): string {
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

export function rollbackSection(input: SummaryInput): string {
  const r = input.rollback;
  if (!r) return '';
  const result = r.ok === undefined ? 'did not finish' : r.ok ? 'succeeded' : 'failed';
  const took = r.finishedAt === undefined ? '' : ` in ${formatElapsed(r.finishedAt - r.startedAt)}`;
  const lines = ['### Rollback', '', `Back to \`${code(taskDefinitionName(r.to))}\`: ${result}${took}.`];
  if (r.message) lines.push('', text(r.message));
  return lines.join('\n');
}

/**
 * A mermaid gantt, which GitHub renders in markdown: per batch the launch, the health checks, the
 * bake time and the drain of the batch's old tasks; then the rollback. `dateFormat x` reads
 * milliseconds since the epoch.
 */
export function gantt(input: SummaryInput): string {
  const bars: string[] = [];
  for (const b of input.batches) {
    const crit = b.outcome === 'failed' ? 'crit, ' : '';
    // Launch, health checks and bake time are the batch's own; the drain of its old tasks may
    // overlap the bake and the next batch.
    const steps: [string, number | undefined, number | undefined][] = [
      ['launch', b.startedAt, b.launchedAt],
      ['health checks', b.launchedAt, b.healthyAt],
      ['bake', b.healthyAt, b.outcome === 'succeeded' && b.endedAt !== b.healthyAt ? b.endedAt : undefined],
      ['drain old tasks', b.drainedAt !== undefined ? b.drainStartedAt : undefined, b.drainedAt],
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
