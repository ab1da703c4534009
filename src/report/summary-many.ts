// The job summary of a step that deploys several services: one table, then each service's own
// summary in an equal share of what is left.
import { formatElapsed, taskDefinitionName } from '../rollout/words.js';
import { bytes, cell, codeCell, cutToBytes, text } from './markdown.js';
import { renderSummary, SUMMARY_LIMIT_BYTES, type RenderOptions } from './summary.js';
import { OUTCOME_WORD, type SummaryInput } from './summary-input.js';

export interface ManySummaryRow {
  service: string;
  outcome: SummaryInput['outcome'];
  previousTaskDefinitionArn?: string;
  taskDefinitionArn?: string;
  /** What happened to it, in words (why it did not succeed, or that it did). */
  words: string;
}

export interface ManySummaryInput {
  cluster: string;
  outcome: SummaryInput['outcome'];
  durationMs: number;
  rows: readonly ManySummaryRow[];
  /** Each service's own summary input, in the order of the rows. */
  services: readonly SummaryInput[];
  /** Why the step failed, when no service got as far as its own summary (e.g. an input error). */
  note?: string;
}

export function renderManySummary(input: ManySummaryInput, options: RenderOptions = {}): string {
  const maxBytes = options.maxBytes ?? SUMMARY_LIMIT_BYTES;
  const took = formatElapsed(input.durationMs);
  const succeeded = input.rows.filter((r) => r.outcome === 'succeeded').length;
  const names = input.rows.map((r) => text(r.service)).join(', ');
  const lines = [
    `## ECS rolling deploy: ${text(input.cluster)}, ${input.rows.length} services`,
    '',
    input.outcome === 'planned'
      ? `**Planned.** ${names}: nothing was changed.`
      : `**${OUTCOME_WORD[input.outcome]}.** ${succeeded} of ${input.rows.length} services on the new task definition (${took} in all).`,
  ];
  if (input.note) lines.push('', `> ${text(input.note)}`);
  lines.push(
    '',
    '| Service | Outcome | Task definition | What happened |',
    '| --- | --- | --- | --- |',
    ...input.rows.map((r) => {
      const from = r.previousTaskDefinitionArn
        ? codeCell(taskDefinitionName(r.previousTaskDefinitionArn))
        : '—';
      const to = r.taskDefinitionArn ? codeCell(taskDefinitionName(r.taskDefinitionArn)) : '—';
      return `| ${codeCell(r.service)} | ${OUTCOME_WORD[r.outcome]} | ${from} → ${to} | ${cell(r.words)} |`;
    }),
  );
  const head = lines.join('\n') + '\n';
  // Each service's own summary (its batch table, failure, rollback, timeline) in an equal share of
  // what is left, its headings one level down.
  const share = Math.max(
    0,
    Math.floor((maxBytes - bytes(head) - 2 * input.services.length) / Math.max(1, input.services.length)),
  );
  const sections = input.services.map((s) =>
    renderSummary(s, { maxBytes: share }).replace(/^(#{2,5}) /gm, '#$1 '),
  );
  return cutToBytes([head, ...sections].join('\n'), maxBytes);
}
