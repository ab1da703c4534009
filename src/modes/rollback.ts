// Manual rollback (`mode: rollback`): which task definition to go back to. Read-only: every check
// happens before main changes anything, and main then runs the same gated batches as a deploy.
import type { ServiceDriver, TaskDefinitionRecord } from '../rollout/port.js';
import { taskDefinitionName } from '../rollout/words.js';
import type { Settings } from '../settings.js';

/**
 * Service tags this action writes after every successful rollout (deploy or rollback), so that
 * `rollback-to: previous` knows what was live before. ECS tag rules: key <= 128 and value <= 256
 * characters of letters, digits, spaces and `_ . : / = + - @`, no `aws:` prefix; ARNs fit.
 */
export const RELEASE_TAG_DEPLOYED = 'ecs-rolling-deploy:deployed';
export const RELEASE_TAG_PREVIOUS = 'ecs-rolling-deploy:previous';
const TAG_VALUE_LIMIT = 256;

/** The tags to put on the service after a successful rollout from `previousArn` to `deployedArn`. */
export function releaseTags(deployedArn: string, previousArn: string): Record<string, string> {
  return { [RELEASE_TAG_DEPLOYED]: tagValue(deployedArn), [RELEASE_TAG_PREVIOUS]: tagValue(previousArn) };
}

export interface ResolvedRollback {
  /** Full ARN of the task definition to roll back to. */
  arn: string;
  /** How it was chosen, in words for the log and the summary. */
  how: string;
  warning?: string;
}

export async function resolveRollbackTarget(
  settings: Pick<Settings, 'rollbackTo'>,
  driver: ServiceDriver,
): Promise<ResolvedRollback> {
  const service = await driver.describeService();
  const current = service.taskDefinitionArn;
  const { family, revision } = parseTaskDefinition(current);
  const target = settings.rollbackTo;

  let resolved: ResolvedRollback;
  let record: TaskDefinitionRecord;
  if (target.kind === 'arn') {
    record = await describe(driver, target.arn, `rollback-to "${target.arn}"`);
    resolved = { arn: record.arn, how: `${taskDefinitionName(record.arn)}, as given in rollback-to` };
  } else if (target.kind === 'revision') {
    const ref = `${family}:${target.revision}`;
    record = await describe(
      driver,
      ref,
      `rollback-to "${target.revision}" (revision ${target.revision} of the service's family "${family}")`,
    );
    resolved = { arn: record.arn, how: `${ref}, revision ${target.revision} of the service's family` };
  } else {
    ({ resolved, record } = await previousOf(driver, current, family, revision));
  }

  // DeregisterTaskDefinition docs: "you can't update an existing service to reference an INACTIVE
  // task definition"; UpdateService would refuse it, so say so before anything changes.
  if (record.status !== 'ACTIVE') {
    throw new Error(
      `Cannot roll back ${driver.service} to ${taskDefinitionName(record.arn)}: that revision is ${record.status}, and ECS ` +
        'does not let a service move to a deregistered task definition. Register it again, or pick another with rollback-to.',
    );
  }
  if (sameTaskDefinition(record.arn, current)) {
    throw new Error(
      `Nothing to roll back: ${driver.service} in ${driver.cluster} already runs ${taskDefinitionName(current)} (${resolved.how}). ` +
        'Pick another revision with rollback-to.',
    );
  }
  return resolved;
}

async function previousOf(
  driver: ServiceDriver,
  current: string,
  family: string,
  revision: number,
): Promise<{ resolved: ResolvedRollback; record: TaskDefinitionRecord }> {
  const tags = await driver.readServiceTags();
  const deployed = readTag(tags[RELEASE_TAG_DEPLOYED], family);
  const previous = readTag(tags[RELEASE_TAG_PREVIOUS], family);
  let why = `the service has no ${RELEASE_TAG_PREVIOUS} tag (no successful rollout by this action recorded yet)`;
  if (deployed && previous) {
    if (sameTaskDefinition(deployed, current)) {
      const record = await describe(driver, previous, `the recorded previous task definition "${previous}"`);
      return {
        record,
        resolved: {
          arn: record.arn,
          how: `${taskDefinitionName(record.arn)}, live before the last successful rollout to ${taskDefinitionName(current)} (recorded on the service)`,
        },
      };
    }
    why = `the service's record says this action last deployed ${taskDefinitionName(deployed)}, but it now runs ${taskDefinitionName(current)} (changed outside this action)`;
  }

  const arns = await driver.listTaskDefinitionArns(family);
  const older = arns
    .map((arn) => ({ arn, revision: parseTaskDefinition(arn).revision }))
    .filter((r) => r.revision < revision)
    .sort((a, b) => b.revision - a.revision)[0];
  if (!older) {
    throw new Error(
      `No task definition to roll back to: ${why}, and family "${family}" has no ACTIVE revision older than ${revision}. ` +
        'Give rollback-to a revision number or an ARN.',
    );
  }
  const record = await describe(driver, older.arn, `task definition "${older.arn}"`);
  return {
    record,
    resolved: {
      arn: record.arn,
      how: `${taskDefinitionName(record.arn)}, the newest ACTIVE revision of "${family}" older than the running ${revision}`,
      warning: `rollback-to: previous fell back to ${taskDefinitionName(record.arn)} because ${why}. Check that it is the revision you want.`,
    },
  };
}

async function describe(driver: ServiceDriver, ref: string, what: string): Promise<TaskDefinitionRecord> {
  try {
    return await driver.describeTaskDefinition(ref);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot roll back to ${what}: ${reason}`, { cause: error });
  }
}

/** `family` and `revision` of `arn:...:task-definition/family:rev` or `family:rev`. */
export function parseTaskDefinition(ref: string): { family: string; revision: number } {
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  const revision = colon === -1 ? Number.NaN : Number(name.slice(colon + 1));
  return { family: colon === -1 ? name : name.slice(0, colon), revision };
}

/** Compares by family and revision, so an ARN matches the `family:revision` a long ARN is tagged as. */
function sameTaskDefinition(a: string, b: string): boolean {
  const x = parseTaskDefinition(a);
  const y = parseTaskDefinition(b);
  return x.family === y.family && x.revision === y.revision;
}

function tagValue(arn: string): string {
  // A family name may be up to 255 characters: then the ARN, or even family:revision, would not fit
  // a tag; the bare revision (of the service's own family) always does. readTag undoes this.
  if (arn.length <= TAG_VALUE_LIMIT) return arn;
  const name = taskDefinitionName(arn);
  return name.length <= TAG_VALUE_LIMIT ? name : String(parseTaskDefinition(arn).revision);
}

function readTag(value: string | undefined, family: string): string | undefined {
  if (!value) return undefined;
  return /^\d+$/.test(value) ? `${family}:${value}` : value;
}
