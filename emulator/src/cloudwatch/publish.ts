// What the emulator's AWS services publish to CloudWatch, from what really happens in them.
//
// Load balancer (namespace AWS/ApplicationELB, "CloudWatch metrics for your Application Load
// Balancer"): per request the listener really proxied, RequestCount, HTTPCode_Target_<n>XX_Count,
// TargetResponseTime (dimensions LoadBalancer, and TargetGroup + LoadBalancer), and for the
// load balancer's own answers HTTPCode_ELB_5XX_Count and HTTPCode_ELB_<502|503|504>_Count
// (LoadBalancer only). Dimension values are the ARNs' resource parts: `app/<name>/<id>` and
// `targetgroup/<name>/<id>`. ELB "reports metrics to CloudWatch only when requests are flowing":
// a count is published only when it is not zero, so a period without a 5xx has no datapoint (an
// alarm on it wants TreatMissingData notBreaching). Health-check requests are not counted (they do
// not go through the listener). TargetResponseTime is in AWS seconds: the real time the target
// took, divided by the time scale, as every emulated duration is scaled.
// HealthyHostCount and UnHealthyHostCount (TargetGroup + LoadBalancer) are sampled every
// SAMPLE_SECONDS from the target groups' real health.
//
// ECS (namespace AWS/ECS, dimensions ClusterName + ServiceName): CPUUtilization of each service,
// every SAMPLE_SECONDS one sample per RUNNING task (so Average, Minimum, Maximum and SampleCount
// are over its tasks). A task's value is plausible, not measured: 10-30 %, fixed by its id, plus
// 1 % per request the load balancer sent to it over the last sample interval, at most 100.
import type { Clock, Log } from '../contracts.js';
import type { ProxiedRequest } from '../elbv2/listener-proxy.js';
import type { Dimension, MetricStore } from './metrics.js';

export const SAMPLE_SECONDS = 10;
const ALB = 'AWS/ApplicationELB';

/** `arn:…:loadbalancer/app/web/0123` -> `app/web/0123`; `arn:…:targetgroup/web/0123` -> `targetgroup/web/0123`. */
export function dimensionValueOfArn(arn: string): string {
  const m = /:(?:loadbalancer\/)?((?:app|net|gwy)\/[^/]+\/[^/]+|targetgroup\/[^/]+\/[^/]+)$/.exec(arn);
  return m?.[1] ?? arn;
}

export interface AlbMetrics {
  /** One answered request of the listener of `loadBalancerArn`. */
  request(loadBalancerArn: string, request: ProxiedRequest): void;
  /** Requests sent to a target (by its id, the task's IP) since the last call, then reset. */
  takeRequestsByTarget(): Map<string, number>;
}

export function createAlbMetrics(deps: { metrics: MetricStore; clock: Clock }): AlbMetrics {
  const { metrics, clock } = deps;
  let byTarget = new Map<string, number>();
  return {
    request(loadBalancerArn, r) {
      const at = clock.now();
      const lb: Dimension = { Name: 'LoadBalancer', Value: dimensionValueOfArn(loadBalancerArn) };
      const groupArn = r.target?.targetGroupArn;
      const sets: Dimension[][] = [[lb]];
      if (groupArn) sets.push([{ Name: 'TargetGroup', Value: dimensionValueOfArn(groupArn) }, lb]);
      const put = (name: string, value: number, dims: Dimension[][], unit: string): void => {
        for (const dimensions of dims) metrics.put({ namespace: ALB, name, dimensions }, { at, value }, unit);
      };
      put('RequestCount', 1, sets, 'Count');
      if (r.target) byTarget.set(r.target.id, (byTarget.get(r.target.id) ?? 0) + 1);
      if (r.byLoadBalancer) {
        if (r.status >= 500) put('HTTPCode_ELB_5XX_Count', 1, [[lb]], 'Count');
        if ([502, 503, 504].includes(r.status)) put(`HTTPCode_ELB_${r.status}_Count`, 1, [[lb]], 'Count');
        return;
      }
      const klass = Math.floor(r.status / 100);
      if (klass >= 2 && klass <= 5) put(`HTTPCode_Target_${klass}XX_Count`, 1, sets, 'Count');
      if (r.targetMs !== undefined)
        put('TargetResponseTime', r.targetMs / 1000 / clock.scale, sets, 'Seconds');
    },
    takeRequestsByTarget() {
      const taken = byTarget;
      byTarget = new Map();
      return taken;
    },
  };
}

/** The parts of the ELBv2 and ECS state() views the periodic samples read. */
interface Elbv2View {
  targetGroups: { arn: string; loadBalancerArns: string[]; targets: { id: string; state: string }[] }[];
}
interface EcsView {
  clusters: { clusterArn: string; clusterName: string }[];
  tasks: {
    taskArn: string;
    clusterArn: string;
    group?: string;
    lastStatus: string;
    privateIPv4Address?: string;
  }[];
}

export function startPeriodicMetrics(deps: {
  metrics: MetricStore;
  clock: Clock;
  log: Log;
  alb: AlbMetrics;
  elbv2State: () => unknown;
  ecsState: () => unknown;
}): { stop(): void } {
  const { metrics, clock, alb } = deps;
  const sample = (): void => {
    const at = clock.now();
    const elbv2 = deps.elbv2State() as Elbv2View;
    for (const group of elbv2.targetGroups) {
      const healthy = group.targets.filter((t) => t.state === 'healthy').length;
      const unhealthy = group.targets.filter((t) => t.state === 'unhealthy').length;
      for (const lbArn of group.loadBalancerArns) {
        const dimensions = [
          { Name: 'TargetGroup', Value: dimensionValueOfArn(group.arn) },
          { Name: 'LoadBalancer', Value: dimensionValueOfArn(lbArn) },
        ];
        metrics.put(
          { namespace: ALB, name: 'HealthyHostCount', dimensions },
          { at, value: healthy },
          'Count',
        );
        metrics.put(
          { namespace: ALB, name: 'UnHealthyHostCount', dimensions },
          { at, value: unhealthy },
          'Count',
        );
      }
    }
    const requests = alb.takeRequestsByTarget();
    const ecs = deps.ecsState() as EcsView;
    const clusterName = new Map(ecs.clusters.map((c) => [c.clusterArn, c.clusterName]));
    for (const task of ecs.tasks) {
      if (task.lastStatus !== 'RUNNING' || !task.group?.startsWith('service:')) continue;
      const base = 10 + (hash(task.taskArn) % 21);
      const load = task.privateIPv4Address ? (requests.get(task.privateIPv4Address) ?? 0) : 0;
      metrics.put(
        {
          namespace: 'AWS/ECS',
          name: 'CPUUtilization',
          dimensions: [
            { Name: 'ClusterName', Value: clusterName.get(task.clusterArn) ?? task.clusterArn },
            { Name: 'ServiceName', Value: task.group.slice('service:'.length) },
          ],
        },
        { at, value: Math.min(100, base + load) },
        'Percent',
      );
    }
    // CloudWatch keeps 1-minute datapoints for 15 days; the emulator keeps a scaled day.
    metrics.prune(at - clock.ms(86_400));
  };
  const timer = clock.every(SAMPLE_SECONDS, () => {
    try {
      sample();
    } catch (error) {
      deps.log(`cloudwatch: sampling failed: ${String(error)}`);
    }
  });
  return { stop: () => timer.cancel() };
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}
