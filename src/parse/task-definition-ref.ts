// Where a task definition comes from (`task-definition`) and where a rollback goes (`rollback-to`).
import { bad, ok, type Parsed } from './result.js';

/** Where the new task definition comes from. */
export type TaskDefinitionSource =
  | { kind: 'file'; path: string }
  /** `family`, `family:revision` or a full task definition ARN of an already registered revision. */
  | { kind: 'registered'; ref: string };

export type RollbackTarget =
  { kind: 'previous' } | { kind: 'revision'; revision: number } | { kind: 'arn'; arn: string };

/** RegisterTaskDefinition: a family has up to 255 letters, numbers, underscores and hyphens. */
const FAMILY = '[A-Za-z0-9_-]{1,255}';
const FAMILY_REF = new RegExp(`^${FAMILY}(?::[1-9]\\d*)?$`);
/** arn:<partition>:ecs:<region>:<account>:task-definition/<family>:<revision> */
const ARN = new RegExp(`^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:task-definition/${FAMILY}:[1-9]\\d*$`);

export function isTaskDefinitionArn(text: string): boolean {
  return ARN.test(text);
}

/**
 * A family name cannot hold `/`, `.` or `\`, so anything with one of them that is not an ARN is a
 * file path (`task-definition.json`, `deploy/web`); `web` and `web:3` name registered revisions.
 */
export function parseTaskDefinitionSource(text: string): Parsed<TaskDefinitionSource> {
  const fix =
    'write a JSON file path (e.g. task-definition.json), a family[:revision] (e.g. web:3) or a task definition ARN';
  if (text.startsWith('arn:')) {
    if (ARN.test(text)) return ok({ kind: 'registered', ref: text });
    return bad(
      'is not a task definition ARN',
      `${fix}; an ARN looks like arn:aws:ecs:us-east-1:123456789012:task-definition/web:3`,
    );
  }
  if (FAMILY_REF.test(text)) return ok({ kind: 'registered', ref: text });
  if (/[/\\.]/.test(text) && !/[\r\n]/.test(text)) return ok({ kind: 'file', path: text });
  return bad('is neither a file path nor a family[:revision]', fix);
}

export function parseRollbackTarget(text: string): Parsed<RollbackTarget> {
  const fix = "write previous, a revision number of the service's family (e.g. 41), or a task definition ARN";
  if (text === 'previous') return ok({ kind: 'previous' });
  if (/^[1-9]\d*$/.test(text)) return ok({ kind: 'revision', revision: Number(text) });
  if (ARN.test(text)) return ok({ kind: 'arn', arn: text });
  return bad('is not previous, a revision number or a task definition ARN', fix);
}
