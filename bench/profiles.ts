// The service and timings each benchmark row runs on. Two profiles:
//   demo  what `npm run demo` runs (emulator/src/seed.ts): health check every 5 s, a new target
//         healthy after its first passing check, unhealthy after 3 failures, 20 s deregistration
//         delay, the emulator's default task start (4 s) and time scale (0.1);
//   aws   AWS's defaults: a Fargate-like 60 s task start, ALB health check every 30 s (timeout 5 s,
//         healthy 5 / unhealthy 2; a new target is still healthy after ONE passing check),
//         deregistration delay 300 s, container stopTimeout 30 s.
// Both run the demo's task definition (family web, container web on 8080); its image tag picks how
// the emulator's app behaves (`web:unhealthy` answers 500 on /health, `web:crash` exits at start).
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import type { HealthCheckSpec } from '../emulator/src/scenario.js';
import { DEMO_TARGET_GROUP, DEMO_TASK_DEFINITION } from '../emulator/src/seed.js';

export const DESIRED = 6;
export const BATCH = 2;
export const BASE_IMAGE = 'public.ecr.aws/demo/web:1';

export interface Profile {
  name: 'demo' | 'aws';
  /** Real seconds per AWS second. */
  timeScale: number;
  /** AWS seconds from launch to the containers starting; undefined: the emulator's default (4 s). */
  taskStartSeconds?: number;
  healthCheck: HealthCheckSpec;
  deregistrationDelaySeconds: number;
  /** Whether ECS counts a task it is stopping toward maximumPercent (undocumented; both modelled). */
  drainingCountsTowardMaximum: boolean;
}

export const PROFILES: Record<Profile['name'], Omit<Profile, 'timeScale' | 'drainingCountsTowardMaximum'>> = {
  demo: {
    name: 'demo',
    healthCheck: { ...DEMO_TARGET_GROUP.healthCheck },
    deregistrationDelaySeconds: DEMO_TARGET_GROUP.deregistrationDelaySeconds,
  },
  aws: {
    name: 'aws',
    taskStartSeconds: 60,
    healthCheck: {
      path: '/health',
      intervalSeconds: 30,
      timeoutSeconds: 5,
      healthyThreshold: 5,
      unhealthyThreshold: 2,
      matcher: '200',
    },
    deregistrationDelaySeconds: 300,
  },
};

/** The demo's task definition (stopTimeout 30 s, ECS's default) with `image`. */
export function taskDefinition(image: string): RegisterTaskDefinitionCommandInput {
  return {
    ...DEMO_TASK_DEFINITION,
    containerDefinitions: (DEMO_TASK_DEFINITION.containerDefinitions ?? []).map((c) => ({ ...c, image })),
  };
}

export function describeProfile(p: Profile): string {
  const hc = p.healthCheck;
  return (
    `${p.name}: time scale ${p.timeScale}, task start ${p.taskStartSeconds ?? 4} s, health check every ` +
    `${hc.intervalSeconds} s (healthy ${hc.healthyThreshold} / unhealthy ${hc.unhealthyThreshold}; a new target ` +
    `is healthy after one passing check), deregistration delay ${p.deregistrationDelaySeconds} s, stopTimeout 30 s, ` +
    `draining ${p.drainingCountsTowardMaximum ? 'counts' : 'does not count'} toward maximumPercent`
  );
}
