// The ELBv2 part of the emulator: the Query-protocol API, target health (real HTTP health checks,
// draining) as the TargetRegistry the ECS scheduler uses, and one real HTTP proxy per listener.
import type { Clock, Elbv2Part, InstanceAddress, ListenerEndpoint, Log } from '../contracts.js';
import { createHandlers } from './api.js';
import { createBalancer } from './balancer.js';
import { startListenerProxy } from './listener-proxy.js';
import type { ListenerProxy, ProxiedRequest } from './listener-proxy.js';
import { createQueryProtocol } from './protocol.js';
import { createStore } from './store.js';
import { createTargets } from './targets.js';

export { REGISTRATION_SECONDS } from './targets.js';

/**
 * ALB's connection idle timeout (attribute idle_timeout.timeout_seconds, default 60 s): a target
 * that sends nothing for this long fails the request with 504. Scaled like every AWS duration, but
 * never under a real second, so a slow answer on a loaded machine is not cut short.
 */
const IDLE_TIMEOUT_SECONDS = 60;

export interface Elbv2Deps {
  clock: Clock;
  log: Log;
  /** The address of an EC2 instance, for `instance` targets (the ECS part's container instances). */
  instanceAddress?: InstanceAddress;
  /** Told of every request a listener answers (the load balancer's CloudWatch metrics). */
  onRequest?: (loadBalancerArn: string, request: ProxiedRequest) => void;
}

export function createElbv2(deps: Elbv2Deps): Elbv2Part {
  const { clock, log } = deps;
  const store = createStore();
  const targets = createTargets({
    store,
    clock,
    log,
    ...(deps.instanceAddress ? { instanceAddress: deps.instanceAddress } : {}),
  });
  const proxies = new Map<string, ListenerProxy>();
  let stopped = false;

  const handlers = createHandlers({
    store,
    targets,
    async openListener(listener) {
      if (stopped) throw new Error('the ELBv2 part is stopped');
      const proxy = await startListenerProxy({
        awsPort: listener.port,
        choose: createBalancer(listener.forward, { store, targets }),
        hostOf: (groupArn, id) => targets.hostOf(groupArn, id),
        idleTimeoutMs: Math.max(1000, clock.ms(IDLE_TIMEOUT_SECONDS)),
        log,
        ...(deps.onRequest
          ? { onRequest: (r: ProxiedRequest) => deps.onRequest?.(listener.loadBalancerArn, r) }
          : {}),
      });
      proxies.set(listener.arn, proxy);
      log(`elbv2: listener :${listener.port} of ${listener.loadBalancerArn} serves ${proxy.url}`);
    },
  });

  const listeners = (): ListenerEndpoint[] =>
    [...store.listeners.values()].flatMap((listener) => {
      const proxy = proxies.get(listener.arn);
      const lb = store.loadBalancers.get(listener.loadBalancerArn);
      if (!proxy || !lb) return [];
      return [
        {
          listenerArn: listener.arn,
          loadBalancerArn: lb.arn,
          loadBalancerName: lb.name,
          port: listener.port,
          url: proxy.url,
        },
      ];
    });

  return {
    protocol: createQueryProtocol(handlers),
    targets,
    listeners,
    state: () => ({
      loadBalancers: [...store.loadBalancers.values()],
      targetGroups: [...store.targetGroups.values()].map((group) => ({
        ...group,
        attributes: Object.fromEntries(group.attributes),
        targets: targets.list(group.arn).map((entry) => ({
          id: entry.ref.id,
          port: entry.ref.port,
          ...entry.record.view,
          ...(entry.drainingUntil !== undefined
            ? { drainingUntil: new Date(entry.drainingUntil).toISOString() }
            : {}),
        })),
      })),
      listeners: [...store.listeners.values()].map((listener) => ({
        ...listener,
        url: proxies.get(listener.arn)?.url,
        inFlight: Object.fromEntries(proxies.get(listener.arn)?.inFlight() ?? []),
      })),
    }),
    async stop() {
      stopped = true;
      targets.stop();
      const closing = [...proxies.values()].map((proxy) => proxy.close());
      proxies.clear();
      await Promise.all(closing);
    },
  };
}
