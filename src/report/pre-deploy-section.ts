// The job summary's (and so the check run's) lines for the pre-deploy task and keep-revisions.
import { taskDefinitionName } from '../rollout/words.js';
import { code, text } from './markdown.js';

/** The failure itself is the summary's Failure section; this says what ran and how it ended. */
export interface PreDeploySummary {
  outcome: 'succeeded' | 'failed' | 'cancelled';
  command: readonly string[];
  container: string;
  taskArn?: string;
  exitCode?: number;
  stoppedReason?: string;
  logUrl?: string;
  /** Whether the service was left as it was because of it. */
  serviceUntouched: boolean;
}

export interface RevisionsSummary {
  keep: number;
  deregistered: readonly string[];
  warnings: readonly string[];
}

export function preDeploySection(p: PreDeploySummary | undefined): string {
  if (!p) return '';
  const word = p.outcome === 'succeeded' ? 'passed' : p.outcome === 'cancelled' ? 'cancelled' : 'FAILED';
  const lines = [
    '### Pre-deploy task',
    '',
    `\`${code(p.command.join(' '))}\` in container \`${code(p.container)}\`: **${word}**` +
      (p.exitCode !== undefined ? `, exit code ${p.exitCode}` : '') +
      (p.stoppedReason ? `, stoppedReason “${text(p.stoppedReason)}”` : '') +
      '.',
  ];
  if (p.taskArn) lines.push('', `Task \`${code(p.taskArn.slice(p.taskArn.lastIndexOf('/') + 1))}\``);
  if (p.logUrl) lines.push('', `[Its log in CloudWatch](${p.logUrl})`);
  if (p.serviceUntouched) lines.push('', 'The service was not changed.');
  return lines.join('\n');
}

export function revisionsSection(r: RevisionsSummary | undefined): string {
  if (!r) return '';
  const lines = [
    '### Revisions tidied',
    '',
    `keep-revisions ${r.keep}: ` +
      (r.deregistered.length === 0
        ? 'nothing to deregister.'
        : `deregistered ${r.deregistered.map((a) => `\`${code(taskDefinitionName(a))}\``).join(', ')}.`),
  ];
  for (const warning of r.warnings) lines.push('', `⚠️ ${text(warning)}`);
  return lines.join('\n');
}
