// Which of a target group's targets may receive a new request. Pure.
// - "Each load balancer node routes requests only to the healthy targets" (guide, health checks);
//   draining targets get no new requests ("Elastic Load Balancing stops sending requests to targets
//   that are deregistering", guide, deregistration delay).
// - Fail-open ("Target group health", routing failover): when the healthy targets fall below
//   target_group_health.unhealthy_state_routing.minimum_healthy_targets.count (default 1) or
//   .percentage (default off), "the load balancer sends traffic to all targets that are available
//   to the load balancer node, including unhealthy targets" - here, every registered target that
//   is not draining and whose group is in use.
import type { TargetRef, TargetState } from '../contracts.js';

export interface RoutingCandidate {
  ref: TargetRef;
  state: TargetState;
}

export interface RoutingThresholds {
  minimumHealthyCount: number;
  /** undefined = off. */
  minimumHealthyPercent?: number;
}

export function routableTargets(candidates: RoutingCandidate[], thresholds: RoutingThresholds): TargetRef[] {
  const available = candidates.filter(
    (c) => c.state === 'healthy' || c.state === 'unhealthy' || c.state === 'initial',
  );
  const healthy = available.filter((c) => c.state === 'healthy');
  const belowCount = healthy.length < thresholds.minimumHealthyCount;
  const belowPercent =
    thresholds.minimumHealthyPercent !== undefined &&
    available.length > 0 &&
    (healthy.length * 100) / available.length < thresholds.minimumHealthyPercent;
  return (belowCount || belowPercent ? available : healthy).map((c) => c.ref);
}

export function routingThresholds(attributes: Map<string, string>): RoutingThresholds {
  const count = Number(
    attributes.get('target_group_health.unhealthy_state_routing.minimum_healthy_targets.count') ?? '1',
  );
  const percent = attributes.get(
    'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage',
  );
  const thresholds: RoutingThresholds = { minimumHealthyCount: Number.isFinite(count) ? count : 1 };
  if (percent !== undefined && percent !== 'off') thresholds.minimumHealthyPercent = Number(percent);
  return thresholds;
}
