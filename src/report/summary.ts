// The job summary (GITHUB_STEP_SUMMARY) and the check run's conclusion: what happened, in markdown.
// A pure renderer: renderSummary turns a finished rollout into a string within GitHub's size limit.
// What it renders is gathered from the engine's events by summary-collect.ts; the escaping is
// markdown.ts's.
import { bytes, cutToBytes } from './markdown.js';
import { preDeploySection, revisionsSection } from './pre-deploy-section.js';
import {
  batchTable,
  failureSection,
  gantt,
  header,
  rollbackSection,
  taskDefinitions,
} from './summary-sections.js';
import type { SummaryInput } from './summary-input.js';

/** GitHub refuses a step summary above 1 MiB. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

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
      preDeploySection(input.preDeploy),
      batchTable(input, rows),
      failureSection(input, events.slice(events.length - keptEvents), events.length),
      rollbackSection(input),
      revisionsSection(input.revisions),
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
