// Every input, parsed and validated once into one immutable Settings. The rest of the code never
// calls core.getInput. (Contract written first; the parsing is filled in by the settings work.)
import type { TaskQuantity } from './rollout/types.js';

export type Mode = 'deploy' | 'rollback' | 'plan';

/** Where the new task definition comes from. */
export type TaskDefinitionSource =
  | { kind: 'file'; path: string }
  /** `family`, `family:revision` or a full task definition ARN of an already registered revision. */
  | { kind: 'registered'; ref: string };

export type RollbackTarget =
  | { kind: 'previous' }
  | { kind: 'revision'; revision: number }
  | { kind: 'arn'; arn: string };

/** An inclusive range of HTTP status codes that count as healthy, e.g. 200-399. */
export interface StatusRange {
  min: number;
  max: number;
}

export interface Settings {
  readonly mode: Mode;
  readonly cluster: string;
  readonly service: string;
  /** Required in deploy and plan modes; unused in rollback mode. */
  readonly taskDefinition?: TaskDefinitionSource;
  /** Container name -> image, from `container-name` + `image` and from `images`. */
  readonly images: ReadonlyMap<string, string>;
  readonly batchSize: TaskQuantity;
  readonly maxUnavailable: TaskQuantity;
  readonly batchTimeoutMs: number;
  readonly rolloutTimeoutMs: number;
  readonly healthCheckUrls: readonly string[];
  readonly healthCheckStatus: readonly StatusRange[];
  /** Consecutive failed HTTP checks of one URL that fail the rollout. */
  readonly healthCheckThreshold: number;
  readonly rollbackOnFailure: boolean;
  readonly waitForIdle: boolean;
  readonly rollbackTo: RollbackTarget;
  readonly onCancel: 'rollback' | 'leave';
  readonly githubToken: string;
  readonly report: 'check' | 'status' | 'none';
  readonly checkName: string;
  readonly environment?: string;
  readonly environmentUrl?: string;
}
