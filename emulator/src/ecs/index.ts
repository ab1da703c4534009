// The emulator's ECS part: the JSON 1.1 API over a store, and the service scheduler that runs the
// store's services as tasks on the task runtime, registered in ELBv2 target groups.
import { randomInt } from 'node:crypto';
import type { Clock, EcsPart, Log, TargetRegistry, TaskRuntime } from '../contracts.js';
import { createEcsApi } from './api.js';
import type { AlarmLookup } from './deployment-alarms.js';
import { deploymentShape } from './api-deployments.js';
import { createIpAllocator } from './ips.js';
import { createEcsProtocol } from './protocol.js';
import { createScheduler } from './scheduler.js';
import type { Scheduler } from './scheduler.js';
import { clusterShape, serviceShape, taskDefinitionShape, taskShape } from './shapes.js';
import { createStore } from './store.js';
import { createTaskLifecycle } from './tasks.js';

export interface EcsDeps {
  clock: Clock;
  log: Log;
  runtime: TaskRuntime;
  targets: TargetRegistry;
  /** Whether a task ECS is stopping counts toward maximumPercent (rolling.ts); default false. */
  drainingCountsTowardMaximum?: boolean;
  /** AWS seconds from a task's launch to its containers starting (tasks.ts). */
  taskStartSeconds?: number;
  /** N of the 127.N.x.y block this emulator claimed (address-block.ts); one of its own otherwise. */
  addressBlock?: number;
  /** CloudWatch alarms by name, read for deployment alarms (deployment-alarms.ts). */
  alarms?: AlarmLookup;
}

let lastBlock = randomInt(1, 255);
function nextAddressBlock(): number {
  lastBlock = (lastBlock % 254) + 1;
  return lastBlock;
}

export function createEcs(deps: EcsDeps): EcsPart {
  const store = createStore();
  // The lifecycle pokes the scheduler, which drives the lifecycle: tie the knot through a holder.
  const holder: { scheduler?: Scheduler } = {};
  const poke = (): void => holder.scheduler?.poke();
  // A 127.N.x.y block per emulator: emulators running side by side on one machine (test files in
  // parallel, a demo) would otherwise hand out the same address and fail with EADDRINUSE.
  // startEmulator claims one no other emulator holds (address-block.ts); without a claim, random
  // across processes and never the same block twice in a row within one process.
  const ips = createIpAllocator(deps.addressBlock ?? nextAddressBlock());
  const lifecycle = createTaskLifecycle({ ...deps, store, ips, poke });
  const drainingCountsTowardMaximum = deps.drainingCountsTowardMaximum ?? false;
  const running = createScheduler({
    clock: deps.clock,
    log: deps.log,
    targets: deps.targets,
    store,
    lifecycle,
    drainingCountsTowardMaximum,
    ...(deps.alarms ? { alarms: deps.alarms } : {}),
  });
  holder.scheduler = running;
  // ECS registers and deregisters targets itself and reacts to their health (page "Service load
  // balancing"): any transition is a reason to reconcile now rather than on the next tick.
  deps.targets.onChange(() => poke());
  const api = createEcsApi({
    store,
    clock: deps.clock,
    targets: deps.targets,
    lifecycle,
    poke,
    takeAddress: () => ips.take(),
  });
  let stopped = false;

  return {
    protocol: createEcsProtocol(api),
    state: () => ({
      settings: { drainingCountsTowardMaximum },
      clusters: [...store.clusters.values()].map((c) => clusterShape(c, store, true)),
      taskDefinitions: [...store.taskDefinitions.values()].map(taskDefinitionShape),
      services: [...store.services.values()].map((s) => serviceShape(s, store, true)),
      tasks: [...store.tasks.values()].map((t) => ({ ...taskShape(t, true), privateIPv4Address: t.ip })),
      containerInstances: [...store.containerInstances.values()].map((ci) => ({
        containerInstanceArn: ci.arn,
        ec2InstanceId: ci.ec2InstanceId,
        clusterArn: ci.clusterArn,
        address: ci.ip,
        hostPorts: Object.fromEntries(ci.ports),
      })),
      serviceDeployments: [...store.serviceDeployments.values()].map((r) => deploymentShape(store, r)),
    }),
    onSchedulerPass: (listener) => running.onPass(listener),
    setTaskStartSeconds: (seconds) => lifecycle.setStartSeconds(seconds),
    instanceAddress: (ec2InstanceId) => {
      for (const ci of store.containerInstances.values())
        if (ci.ec2InstanceId === ec2InstanceId) return ci.ip;
      return undefined;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      running.stop();
      // The runtime's shutdown() kills whatever is left too; killing here means a test that only
      // built the ECS part (with its own runtime) leaves nothing running either.
      lifecycle.killAll();
    },
  };
}
