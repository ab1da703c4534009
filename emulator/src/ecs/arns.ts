// ECS resource names in AWS's "new" long ARN format (the only format for accounts created since
// 2021, per the ECS developer guide page "Amazon Resource Names (ARNs) and IDs"): service and task
// ARNs carry the cluster name.
import { randomBytes } from 'node:crypto';

export const ACCOUNT_ID = '000000000000';

const prefix = (region: string): string => `arn:aws:ecs:${region}:${ACCOUNT_ID}`;

export const clusterArn = (region: string, name: string): string => `${prefix(region)}:cluster/${name}`;
export const serviceArn = (region: string, cluster: string, name: string): string =>
  `${prefix(region)}:service/${cluster}/${name}`;
export const taskArn = (region: string, cluster: string, id: string): string =>
  `${prefix(region)}:task/${cluster}/${id}`;
export const taskDefinitionArn = (region: string, family: string, revision: number): string =>
  `${prefix(region)}:task-definition/${family}:${revision}`;

/** Task IDs are 32 lowercase hex digits. */
export const newTaskId = (): string => randomBytes(16).toString('hex');

/** Deployment IDs look like `ecs-svc/` + 19 digits. */
export function newDeploymentId(): string {
  let digits = String(1 + Math.floor(Math.random() * 9));
  while (digits.length < 19) digits += String(Math.floor(Math.random() * 10));
  return `ecs-svc/${digits}`;
}

/** The last path segment of an ARN (`.../cluster/web` -> `web`), or the input when it is a bare name. */
export function nameOf(arnOrName: string): string {
  if (!arnOrName.startsWith('arn:')) return arnOrName;
  const resource = arnOrName.split(':').slice(5).join(':');
  return resource.slice(resource.lastIndexOf('/') + 1);
}

/** `arn:aws:ecs:<region>:...` -> region, or undefined for a bare name. */
export function regionOfArn(arn: string): string | undefined {
  return arn.startsWith('arn:') ? arn.split(':')[3] : undefined;
}

/** For `task/<cluster>/<id>` and `service/<cluster>/<name>` ARNs: the cluster name. */
export function clusterOfArn(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const parts = arn.split(':').slice(5).join(':').split('/');
  return parts.length === 3 ? parts[1] : undefined;
}
