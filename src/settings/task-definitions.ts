// `task-definition` (one for every service, or one a line), which inputs each mode uses, and
// `rollback-to`.
import { resolve } from 'node:path';
import { inputLines } from '../parse/lines.js';
import {
  parseRollbackTarget,
  parseTaskDefinitionSource,
  type RollbackTarget,
  type TaskDefinitionSource,
} from '../parse/task-definition-ref.js';
import type { Inputs } from './context.js';
import { INPUT, type Mode } from './inputs.js';

/** The task definition of the service at `index` (one given for all, or one a line). */
export type TaskDefinitionOf = (index: number) => TaskDefinitionSource | undefined;

export function readTaskDefinitions(
  { raw, given, complain }: Inputs,
  services: readonly string[],
  workspace: string,
): TaskDefinitionOf {
  // One task definition for every service, or one a line matched to the services by position.
  let taskDefinitions: (TaskDefinitionSource | undefined)[] = [];
  if (given(INPUT.taskDefinition)) {
    const lines = inputLines(raw(INPUT.taskDefinition));
    if (lines.length === 0) {
      complain(
        INPUT.taskDefinition,
        'has only blank lines and comments; write a JSON file path, a family[:revision] or a task definition ARN',
      );
    }
    if (lines.length > 1 && lines.length !== services.length && services.length > 0) {
      complain(
        INPUT.taskDefinition,
        `has ${lines.length} lines but service names ${services.length === 1 ? '1 service' : `${services.length} services`}; give one task definition for every service, or one a line in the order of the services`,
      );
    }
    taskDefinitions = lines.map(({ line, text: value }) => {
      const parsed = parseTaskDefinitionSource(value);
      if (!parsed.ok) {
        const where = lines.length > 1 ? `line ${line} ` : '';
        complain(INPUT.taskDefinition, `${where}${JSON.stringify(value)} ${parsed.problem}; ${parsed.fix}`);
        return undefined;
      }
      // A runner runs the action in GITHUB_WORKSPACE: a relative path means a file of the checkout.
      return parsed.value.kind === 'file'
        ? { ...parsed.value, path: resolve(workspace, parsed.value.path) }
        : parsed.value;
    });
  }
  return (index) => (taskDefinitions.length === 1 ? taskDefinitions[0] : taskDefinitions[index]);
}

/**
 * Rollback mode goes back to an earlier task definition, so it uses none of the inputs that name a
 * new one; deploy and plan modes need one. `mode` is undefined when it is not a mode (already reported).
 */
export function checkTaskDefinitionUse({ given, complain }: Inputs, mode: Mode | undefined): void {
  if (mode === undefined) return;
  if (mode === 'rollback') {
    for (const name of [INPUT.taskDefinition, INPUT.containerName, INPUT.image, INPUT.images] as const) {
      if (given(name)) {
        complain(
          name,
          'is not used in rollback mode, which goes back to an earlier task definition; remove it, or set mode: deploy',
        );
      }
    }
  } else if (!given(INPUT.taskDefinition)) {
    complain(
      INPUT.taskDefinition,
      `is required in ${mode} mode; write a JSON file path (e.g. task-definition.json), a family[:revision] (e.g. web:3) or a task definition ARN`,
    );
  }
}

export function readRollbackTo({ raw, complain, take }: Inputs, mode: Mode | undefined): RollbackTarget {
  const rollbackTo = take(INPUT.rollbackTo, parseRollbackTarget(raw(INPUT.rollbackTo)), {
    kind: 'previous',
  } as RollbackTarget);
  if (mode !== undefined && mode !== 'rollback' && rollbackTo.kind !== 'previous') {
    complain(INPUT.rollbackTo, `is only used in rollback mode; remove it, or set mode: rollback`);
  }
  return rollbackTo;
}
