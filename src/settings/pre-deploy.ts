// pre-deploy-command, -container and -timeout: a one-off task run with the new task definition
// before the service changes.
import { parseCommand } from '../parse/command.js';
import { parseDuration } from '../parse/duration.js';
import { CONTAINER_NAME } from '../parse/images.js';
import type { Inputs } from './context.js';
import { INPUT, type Mode } from './inputs.js';

export interface PreDeploySettings {
  /** The container's command (RunTask containerOverrides[].command). */
  readonly command: readonly string[];
  /** The container of the new task definition that runs it; undefined: its first essential one. */
  readonly container?: string;
  readonly timeoutMs: number;
}

/**
 * pre-deploy-command, -container and -timeout. The last two are only used with a command; a
 * rollback goes back to a revision whose one-off task (a migration) already ran, so none is used
 * in rollback mode.
 */
export function readPreDeploy(
  { raw, given, complain, take }: Inputs,
  mode: Mode | undefined,
): PreDeploySettings | undefined {
  const timeoutMs = take(INPUT.preDeployTimeout, parseDuration(raw(INPUT.preDeployTimeout)), 0);
  if (!given(INPUT.preDeployCommand)) {
    for (const name of [INPUT.preDeployContainer, INPUT.preDeployTimeout] as const) {
      if (given(name))
        complain(
          name,
          'is only used with pre-deploy-command; set pre-deploy-command (e.g. bin/migrate) or remove it',
        );
    }
    return undefined;
  }
  if (mode === 'rollback' || mode === 'plan') {
    complain(
      INPUT.preDeployCommand,
      `is not used in ${mode} mode (it runs before a deploy changes the service); remove it, or set mode: deploy`,
    );
    return undefined;
  }
  const command = take(INPUT.preDeployCommand, parseCommand(raw(INPUT.preDeployCommand)), [] as string[]);
  let container: string | undefined;
  if (given(INPUT.preDeployContainer)) {
    container = raw(INPUT.preDeployContainer);
    if (!CONTAINER_NAME.test(container))
      complain(
        INPUT.preDeployContainer,
        `${JSON.stringify(container)} is not an ECS container name; write the name of a container in the task definition's containerDefinitions (letters, numbers, _ and -)`,
      );
  }
  return {
    command: Object.freeze(command),
    ...(container !== undefined ? { container } : {}),
    timeoutMs,
  };
}
