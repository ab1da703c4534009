// The CloudWatch part of the emulator: metrics (published by the load balancer's listeners and the
// ECS tasks, or by PutMetricData), metric alarms evaluated on a timer, and the JSON 1.0 API.
import type { Clock, Log, ServiceProtocol } from '../contracts.js';
import { createAlarmBook, type MetricAlarm } from './alarms.js';
import { createCloudWatchApi } from './api.js';
import { createMetricStore, type MetricStore } from './metrics.js';
import { createCloudWatchProtocol } from './protocol.js';
import { createAlbMetrics, startPeriodicMetrics, type AlbMetrics } from './publish.js';

export { dimensionValueOfArn } from './publish.js';

export interface CloudWatchPart {
  protocol: ServiceProtocol;
  metrics: MetricStore;
  /** Where the load balancer's listeners report the requests they proxy. */
  alb: AlbMetrics;
  /** Starts the periodic samples (host counts, ECS CPU) once ELBv2 and ECS exist. */
  startSampling(sources: { elbv2State: () => unknown; ecsState: () => unknown }): void;
  state(): { alarms: MetricAlarm[]; metrics: number };
  /** One alarm as DescribeAlarms shows it now, by name (ECS deployment alarms read it). */
  alarm(name: string): MetricAlarm | undefined;
  stop(): void;
}

export function createCloudWatch(deps: { clock: Clock; log: Log }): CloudWatchPart {
  const { clock, log } = deps;
  const metrics = createMetricStore();
  const book = createAlarmBook({ clock, metrics });
  const alb = createAlbMetrics({ metrics, clock });
  const api = createCloudWatchApi({ metrics, book, clock });
  let sampling: { stop(): void } | undefined;
  return {
    protocol: createCloudWatchProtocol(api),
    metrics,
    alb,
    startSampling(sources) {
      sampling?.stop();
      sampling = startPeriodicMetrics({ metrics, clock, log, alb, ...sources });
    },
    alarm: (name) => book.alarms.get(name),
    state: () => ({ alarms: [...book.alarms.values()].map((a) => ({ ...a })), metrics: metrics.size() }),
    stop() {
      sampling?.stop();
      book.stop();
    },
  };
}
