// ELBv2 resources as the emulator keeps them: load balancers, target groups (with health-check
// settings and attributes) and listeners, with ARNs in AWS's formats ("Elastic Load Balancing
// resource types" in the Service Authorization Reference):
//   arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<16 hex>
//   arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<16 hex>
//   arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<lb-name>/<lb-id>/<16 hex>
// Targets and their health live in targets.ts; listeners' proxies in listener-proxy.ts.
import { randomBytes } from 'node:crypto';

/** Creation order within the store: the stable key Describe* pages by (paging.ts). */
interface Sequenced {
  seq: number;
}

export interface LoadBalancer extends Sequenced {
  arn: string;
  name: string;
  region: string;
  id: string;
  scheme: 'internet-facing' | 'internal';
  type: 'application';
  ipAddressType: 'ipv4' | 'dualstack';
  vpcId: string;
  subnets: string[];
  securityGroups: string[];
  createdTime: Date;
  dnsName: string;
}

export interface HealthCheckSettings {
  enabled: boolean;
  protocol: 'HTTP' | 'HTTPS';
  /** `traffic-port` (each target's own port) or a port number as text. */
  port: string;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  matcher: string;
}

export interface TargetGroup extends Sequenced {
  arn: string;
  name: string;
  region: string;
  protocol: 'HTTP' | 'HTTPS';
  protocolVersion: 'HTTP1' | 'HTTP2' | 'GRPC';
  port: number;
  vpcId: string;
  targetType: 'instance' | 'ip';
  ipAddressType: 'ipv4' | 'ipv6';
  healthCheck: HealthCheckSettings;
  /** Attribute keys to values, as DescribeTargetGroupAttributes answers them. */
  attributes: Map<string, string>;
  loadBalancerArns: string[];
}

export interface ForwardTarget {
  targetGroupArn: string;
  weight: number;
}

export interface Listener extends Sequenced {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: 'HTTP';
  /** The default forward action; one group, or several weighted ones (ForwardConfig). */
  forward: ForwardTarget[];
  /** Whether DefaultActions named the group with TargetGroupArn, ForwardConfig, or both. */
  actionForm: { targetGroupArn: boolean; forwardConfig: boolean };
}

export const ACCOUNT_ID = '000000000000';

/** The hosted zone ALBs report in us-east-1 ("Elastic Load Balancing endpoints and quotas"). */
export const ALB_HOSTED_ZONE = 'Z35SXDOTRQ7X7K';

function hexId(): string {
  return randomBytes(8).toString('hex');
}

export interface Elbv2Store {
  loadBalancers: Map<string, LoadBalancer>;
  targetGroups: Map<string, TargetGroup>;
  listeners: Map<string, Listener>;
  /** The next creation sequence number; never reused, so a deleted item's key stays unique. */
  nextSeq(): number;
}

export function createStore(): Elbv2Store {
  let seq = 0;
  return {
    loadBalancers: new Map(),
    targetGroups: new Map(),
    listeners: new Map(),
    nextSeq: () => ++seq,
  };
}

export function loadBalancerArn(region: string, name: string, id: string): string {
  return `arn:aws:elasticloadbalancing:${region}:${ACCOUNT_ID}:loadbalancer/app/${name}/${id}`;
}

export function newLoadBalancerIdentity(
  region: string,
  name: string,
): { arn: string; id: string; dnsName: string } {
  const id = hexId();
  const dnsNumber = parseInt(id.slice(0, 8), 16) % 2_000_000_000;
  return {
    arn: loadBalancerArn(region, name, id),
    id,
    dnsName: `${name}-${dnsNumber}.${region}.elb.amazonaws.com`,
  };
}

export function newTargetGroupArn(region: string, name: string): string {
  return `arn:aws:elasticloadbalancing:${region}:${ACCOUNT_ID}:targetgroup/${name}/${hexId()}`;
}

export function newListenerArn(lb: LoadBalancer): string {
  return `arn:aws:elasticloadbalancing:${lb.region}:${ACCOUNT_ID}:listener/app/${lb.name}/${lb.id}/${hexId()}`;
}

/**
 * Target group attributes an ALB `ip`/`instance` group reports, with their documented defaults
 * (API reference, TargetGroupAttribute). deregistration_delay.timeout_seconds is the one the
 * emulator acts on; the unhealthy_state_routing thresholds drive the listener's fail-open.
 */
export const DEFAULT_TARGET_GROUP_ATTRIBUTES: readonly [string, string][] = [
  ['deregistration_delay.timeout_seconds', '300'],
  ['stickiness.enabled', 'false'],
  ['stickiness.type', 'lb_cookie'],
  ['stickiness.lb_cookie.duration_seconds', '86400'],
  ['stickiness.app_cookie.cookie_name', ''],
  ['stickiness.app_cookie.duration_seconds', '86400'],
  ['load_balancing.algorithm.type', 'round_robin'],
  ['load_balancing.algorithm.anomaly_mitigation', 'off'],
  ['load_balancing.cross_zone.enabled', 'use_load_balancer_configuration'],
  ['slow_start.duration_seconds', '0'],
  ['target_group_health.dns_failover.minimum_healthy_targets.count', '1'],
  ['target_group_health.dns_failover.minimum_healthy_targets.percentage', 'off'],
  ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.count', '1'],
  ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage', 'off'],
];

/** Accepted values per attribute key; a key not listed here is answered ValidationError. */
export const ATTRIBUTE_RULES: Record<string, (value: string) => boolean> = {
  'deregistration_delay.timeout_seconds': intIn(0, 3600),
  'stickiness.enabled': (v) => v === 'true' || v === 'false',
  'stickiness.type': (v) => v === 'lb_cookie' || v === 'app_cookie',
  'stickiness.lb_cookie.duration_seconds': intIn(1, 604800),
  'stickiness.app_cookie.cookie_name': (v) => v.length <= 256,
  'stickiness.app_cookie.duration_seconds': intIn(1, 604800),
  'load_balancing.algorithm.type': (v) =>
    v === 'round_robin' || v === 'least_outstanding_requests' || v === 'weighted_random',
  'load_balancing.algorithm.anomaly_mitigation': (v) => v === 'on' || v === 'off',
  'load_balancing.cross_zone.enabled': (v) =>
    v === 'true' || v === 'false' || v === 'use_load_balancer_configuration',
  'slow_start.duration_seconds': (v) => v === '0' || intIn(30, 900)(v),
  'target_group_health.dns_failover.minimum_healthy_targets.count': (v) =>
    v === 'off' || intIn(1, 1_000_000)(v),
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': (v) =>
    v === 'off' || intIn(1, 100)(v),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': intIn(1, 1_000_000),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': (v) =>
    v === 'off' || intIn(1, 100)(v),
};

function intIn(min: number, max: number): (value: string) => boolean {
  return (value) => /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max;
}

export function deregistrationDelaySeconds(group: TargetGroup): number {
  return Number(group.attributes.get('deregistration_delay.timeout_seconds') ?? '300');
}
