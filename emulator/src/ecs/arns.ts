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
export const containerInstanceArn = (region: string, cluster: string, id: string): string =>
  `${prefix(region)}:container-instance/${cluster}/${id}`;
export const taskDefinitionArn = (region: string, family: string, revision: number): string =>
  `${prefix(region)}:task-definition/${family}:${revision}`;
/**
 * Service deployments and revisions (ECS developer guide "View service history using Amazon ECS
 * service deployments", and the ListServiceDeployments example in "Stopping Amazon ECS service
 * deployments"): `service-deployment/<cluster>/<service>/NCWGC2ZR-taawPAYrIaU5`,
 * `service-revision/<cluster>/<service>/4980306466373577095`.
 */
export const serviceDeploymentArn = (region: string, cluster: string, service: string, id: string): string =>
  `${prefix(region)}:service-deployment/${cluster}/${service}/${id}`;
export const serviceRevisionArn = (region: string, cluster: string, service: string, id: string): string =>
  `${prefix(region)}:service-revision/${cluster}/${service}/${id}`;

/** EC2 instance IDs: `i-` and 17 lowercase hex digits. */
export const newEc2InstanceId = (): string => `i-${randomBytes(9).toString('hex').slice(0, 17)}`;

/** Task IDs are 32 lowercase hex digits. */
export const newTaskId = (): string => randomBytes(16).toString('hex');

/** 19 decimal digits, not starting with 0. */
function nineteenDigits(): string {
  let digits = String(1 + Math.floor(Math.random() * 9));
  while (digits.length < 19) digits += String(Math.floor(Math.random() * 10));
  return digits;
}

/** Deployment IDs look like `ecs-svc/` + 19 digits. */
export const newDeploymentId = (): string => `ecs-svc/${nineteenDigits()}`;

/** Service revision IDs are 19 digits (`.../service-revision/c/s/4980306466373577095`). */
export const newServiceRevisionId = nineteenDigits;

/** Service deployment IDs are 21 URL-safe base64 characters (`NCWGC2ZR-taawPAYrIaU5`). */
export const newServiceDeploymentId = (): string => randomBytes(16).toString('base64url').slice(0, 21);

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

/**
 * An ECS ARN of the given resource type, split: region, the cluster segment when the ARN has one
 * (the long format `service/<cluster>/<name>`; undefined for the old `service/<name>`), and the
 * resource name or id. undefined when `arn` is not such an ARN.
 */
export function parseEcsArn(
  arn: string,
  type: 'service' | 'task' | 'container-instance',
): { region: string; cluster?: string; name: string } | undefined {
  const match = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):\d{12}:([a-z-]+)\/(.+)$/.exec(arn);
  if (!match || match[2] !== type) return undefined;
  const parts = match[3]!.split('/');
  if (parts.length === 1) return { region: match[1]!, name: parts[0]! };
  if (parts.length === 2) return { region: match[1]!, cluster: parts[0]!, name: parts[1]! };
  return undefined;
}

/** For `task/<cluster>/<id>` and `service/<cluster>/<name>` ARNs: the cluster name. */
export function clusterOfArn(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const parts = arn.split(':').slice(5).join(':').split('/');
  return parts.length === 3 ? parts[1] : undefined;
}
