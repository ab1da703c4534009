// What a deploy (or a rollback) would put on the service, resolved before anything changes. The one
// answer plan mode shows and deploy acts on: both call this, so they cannot disagree about which
// revision it is, whether it is registered, or whether the service already runs it.
import { resolveRollbackTarget } from './rollback.js';
import type { ServiceDriver, TaskDefinitionRecord } from '../rollout/port.js';
import { taskDefinitionName } from '../rollout/words.js';
import type { Settings } from '../settings.js';
import {
  checkContainers,
  readTaskDefinitionFile,
  registrationBody,
  substituteImages,
  type TaskDefinitionBody,
} from '../taskdef.js';
import { sameDefinition } from '../taskdef-compare.js';

export interface Target {
  /** Set when a registered revision is deployed as it is (a ref without image changes, a rollback, unchanged). */
  arn?: string;
  /** The body to register, when `arn` is not set. */
  body?: TaskDefinitionBody;
  /** The definition as it will run (diffs, image changes). */
  runs: TaskDefinitionBody;
  /** Equal to the revision the service runs now: nothing to register and nothing to roll. */
  unchanged: boolean;
  /** How the target was chosen, for the log. */
  how: string;
  /** Read-only fields left out of a file, to say so. */
  stripped?: string[];
  warning?: string;
}

export type TargetSettings = Pick<Settings, 'mode' | 'taskDefinition' | 'images' | 'rollbackTo'>;

/** A task definition file as it would be registered: read, its images substituted, its containers checked. */
export interface TargetFile {
  path: string;
  body: TaskDefinitionBody;
  stripped: string[];
}

/**
 * The task definition file of a deploy (or plan), checked before AWS sees anything: a file ECS
 * would refuse (duplicate container names, an empty image, no essential container, too large, not
 * JSON) is an input error with no AWS call made. undefined when the target is not a file.
 */
export async function loadTargetFile(settings: TargetSettings): Promise<TargetFile | undefined> {
  const source = settings.taskDefinition;
  if (settings.mode === 'rollback' || source?.kind !== 'file') return undefined;
  return readTargetFile(source.path, settings.images);
}

async function readTargetFile(path: string, images: TargetSettings['images']): Promise<TargetFile> {
  const loaded = await readTaskDefinitionFile(path);
  const body = substituteImages(loaded.body, images);
  checkContainers(body, path);
  return { path, body, stripped: loaded.stripped };
}

/** `current` is the revision the service runs now; `file`, the target file when already loaded. Read-only. */
export async function resolveTarget(
  settings: TargetSettings,
  driver: ServiceDriver,
  current: TaskDefinitionRecord,
  file?: TargetFile,
): Promise<Target> {
  if (settings.mode === 'rollback') {
    const resolved = await resolveRollbackTarget(settings, driver);
    const record = await driver.describeTaskDefinition(resolved.arn);
    return {
      arn: record.arn,
      runs: record.body,
      unchanged: record.arn === current.arn,
      how: `rolling back to ${resolved.how}`,
      ...(resolved.warning ? { warning: resolved.warning } : {}),
    };
  }
  const source = settings.taskDefinition;
  if (!source) throw new Error(`task-definition is required in ${settings.mode} mode`);
  if (source.kind === 'file') {
    const loaded = file ?? (await readTargetFile(source.path, settings.images));
    const { body } = loaded;
    const unchanged = sameDefinition(body, current.body);
    return {
      ...(unchanged ? { arn: current.arn } : { body }),
      runs: body,
      unchanged,
      how: unchanged
        ? `${source.path} equals the running ${taskDefinitionName(current.arn)}`
        : `${source.path}, to be registered as a new revision of "${String(body['family'])}"`,
      ...(loaded.stripped.length > 0 ? { stripped: loaded.stripped } : {}),
    };
  }
  const record = await driver.describeTaskDefinition(source.ref);
  // DeregisterTaskDefinition docs: "you can't update an existing service to reference an INACTIVE
  // task definition": refused here, before anything changes, in plan mode as in deploy.
  if (record.status !== 'ACTIVE') {
    throw new Error(
      `Task definition ${taskDefinitionName(record.arn)} is ${record.status}; ECS does not let a service move to it. ` +
        'Register it again, or give another revision.',
    );
  }
  if (settings.images.size > 0) {
    const body = substituteImages(registrationBody(record.body, record.tags), settings.images);
    checkContainers(body, taskDefinitionName(record.arn));
    // The given revision with the same images is deployed as it is; other images make a new revision.
    if (!sameDefinition(body, record.body)) {
      const unchanged = sameDefinition(body, current.body);
      return {
        ...(unchanged ? { arn: current.arn } : { body }),
        runs: body,
        unchanged,
        how: `${taskDefinitionName(record.arn)} with new images, to be registered as a new revision`,
      };
    }
  }
  return {
    arn: record.arn,
    runs: record.body,
    unchanged: record.arn === current.arn,
    how: `the registered ${taskDefinitionName(record.arn)}`,
  };
}
