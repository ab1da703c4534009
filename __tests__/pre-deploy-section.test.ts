// The job summary's (and check run's) lines for the pre-deploy task and keep-revisions, through
// renderSummary: present when they ran, absent otherwise.
import { describe, expect, it } from '@jest/globals';
import { renderSummary } from '../src/report/summary.js';
import type { SummaryInput } from '../src/report/summary-input.js';

const base: SummaryInput = {
  cluster: 'prod',
  service: 'web',
  outcome: 'failed',
  imageChanges: [],
  batches: [],
  durationMs: 5_000,
};

describe('pre-deploy and keep-revisions in the summary', () => {
  it('a failed pre-deploy task: command, container, exit code, stoppedReason, log link, service untouched', () => {
    const markdown = renderSummary({
      ...base,
      preDeploy: {
        outcome: 'failed',
        command: ['migrate', '--to', 'v2'],
        container: 'web',
        exitCode: 3,
        stoppedReason: 'Essential container in task exited',
        taskArn: 'arn:aws:ecs:us-east-1:1:task/prod/abc',
        logUrl:
          'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/g',
        serviceUntouched: true,
      },
    });
    expect(markdown).toContain('### Pre-deploy task');
    expect(markdown).toContain(
      '`migrate --to v2` in container `web`: **FAILED**, exit code 3, stoppedReason “Essential container in task exited”.',
    );
    expect(markdown).toContain('Task `abc`');
    expect(markdown).toContain('[Its log in CloudWatch](https://us-east-1.console.aws.amazon.com/');
    expect(markdown).toContain('The service was not changed.');
    // Before the batches: it ran first.
    expect(markdown.indexOf('### Pre-deploy task')).toBeLessThan(markdown.indexOf('### Batches'));
  });

  it('a passed one, and the revisions tidied with their warnings', () => {
    const markdown = renderSummary({
      ...base,
      outcome: 'succeeded',
      preDeploy: {
        outcome: 'succeeded',
        command: ['migrate'],
        container: 'web',
        exitCode: 0,
        serviceUntouched: false,
      },
      revisions: {
        keep: 2,
        deregistered: ['arn:aws:ecs:us-east-1:1:task-definition/web:3'],
        warnings: ['keep-revisions: could not deregister web:1: AccessDeniedException'],
      },
    });
    expect(markdown).toContain('**passed**, exit code 0.');
    expect(markdown).not.toContain('The service was not changed.');
    expect(markdown).toContain('### Revisions tidied');
    expect(markdown).toContain('keep-revisions 2: deregistered `web:3`.');
    expect(markdown).toContain('could not deregister web:1');
  });

  it('neither section when neither ran', () => {
    const markdown = renderSummary(base);
    expect(markdown).not.toContain('Pre-deploy');
    expect(markdown).not.toContain('Revisions tidied');
  });
});
