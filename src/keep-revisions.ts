// keep-revisions: after a successful rollout (and its release tag), deregister the family's ACTIVE
// revisions older than the newest N, never the live one, the previous one, or one a service of the
// cluster runs (keep-revisions-plan.ts decides). Tidying is housekeeping: any failure is a warning,
// never a failed deploy. Deregistering leaves running tasks and services on a revision untouched
// (page "Deregistering an Amazon ECS task definition revision"); what it removes is the ability to
// start a service or a new deployment on it, hence the revisions kept.
import { revisionsToDeregister, type RevisionSelection } from './keep-revisions-plan.js';
import type { Calls } from './rollout/calls.js';
import { errorMessage, plural, taskDefinitionName } from './rollout/words.js';

export interface RevisionDriver {
  /** ACTIVE revisions of exactly this family. */
  listActiveRevisions(family: string): Promise<string[]>;
  /** Every task definition any service of the cluster runs, in any of its deployments. */
  taskDefinitionsInUse(): Promise<Set<string>>;
  deregister(taskDefinitionArn: string): Promise<void>;
}

export interface TidyResult {
  deregistered: string[];
  kept: RevisionSelection['kept'];
  warnings: string[];
}

export async function tidyRevisions(opts: {
  revisions: RevisionDriver;
  family: string;
  keep: number;
  live: string;
  previous: string;
  /** The step's calls: their bound and retries. */
  calls: Calls;
  log: { line(text: string): void; warning(text: string): void };
}): Promise<TidyResult> {
  const { revisions, calls, log } = opts;
  const result: TidyResult = { deregistered: [], kept: [], warnings: [] };
  const warn = (text: string): void => {
    log.warning(text);
    result.warnings.push(text);
  };
  let selection: RevisionSelection;
  try {
    const [active, inUse] = await Promise.all([
      calls.call('ListTaskDefinitions', () => revisions.listActiveRevisions(opts.family)),
      calls.call('ListServices / DescribeServices', () => revisions.taskDefinitionsInUse()),
    ]);
    selection = revisionsToDeregister({
      active,
      keep: opts.keep,
      live: opts.live,
      previous: opts.previous,
      inUse,
    });
  } catch (error) {
    warn(`keep-revisions: the revisions of "${opts.family}" were not tidied: ${errorMessage(error)}`);
    return result;
  }
  result.kept = selection.kept;
  const keptInUse = selection.kept.filter((k) => k.because !== 'newest');
  for (const arn of selection.deregister) {
    try {
      await calls.call('DeregisterTaskDefinition', () => revisions.deregister(arn));
      result.deregistered.push(arn);
    } catch (error) {
      warn(`keep-revisions: could not deregister ${taskDefinitionName(arn)}: ${errorMessage(error)}`);
    }
  }
  log.line(
    `keep-revisions ${opts.keep}: deregistered ${plural(result.deregistered.length, 'revision')}` +
      (result.deregistered.length > 0 ? ` (${result.deregistered.map(taskDefinitionName).join(', ')})` : '') +
      (keptInUse.length > 0
        ? `; kept besides the newest: ${keptInUse.map((k) => `${taskDefinitionName(k.arn)} (${k.because})`).join(', ')}`
        : ''),
  );
  return result;
}
