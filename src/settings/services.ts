// `cluster` and `service`: one service, or several one a line, all of one cluster.
import { inputLines } from '../parse/lines.js';
import type { Inputs } from './context.js';
import { INPUT } from './inputs.js';

const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ARN_PREFIX = 'arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}';
const CLUSTER_ARN = new RegExp(`^${ARN_PREFIX}:cluster/[A-Za-z0-9_-]{1,255}$`);
/** Both service ARN formats: the old `service/<name>` and the long `service/<cluster>/<name>`. */
const SERVICE_ARN = new RegExp(`^${ARN_PREFIX}:service/(?:[A-Za-z0-9_-]{1,255}/)?[A-Za-z0-9_-]{1,255}$`);

export interface ServiceInputs {
  cluster: string;
  /** The first (usually the only) service; `services` lists every one, this one first. */
  service: string;
  services: string[];
}

export function readServices({ raw, given, complain }: Inputs): ServiceInputs {
  let cluster = raw(INPUT.cluster);
  if (!ECS_NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    complain(
      INPUT.cluster,
      `${JSON.stringify(cluster)} is not a cluster name or ARN; write the cluster's name (e.g. production) or its ARN`,
    );
  }
  const serviceLines = inputLines(raw(INPUT.service));
  const several = serviceLines.length > 1;
  const services: string[] = [];
  if (serviceLines.length === 0) {
    complain(INPUT.service, 'is required; write the name of the ECS service to deploy (e.g. web)');
  }
  const seen = new Map<string, number>();
  for (const { line, text: name } of serviceLines) {
    const where = several ? `line ${line} ` : '';
    if (!ECS_NAME.test(name) && !SERVICE_ARN.test(name)) {
      complain(
        INPUT.service,
        `${where}${JSON.stringify(name)} is not a service name or ARN; write the service's name (e.g. web) or its ARN${several ? ', one a line' : ''}`,
      );
      continue;
    }
    // `web` and an ARN ending in `/web` are the same service: two rollouts of one service would
    // fight over its lease and its settings.
    const short = serviceName(name);
    const first = seen.get(short);
    if (first !== undefined) {
      complain(
        INPUT.service,
        `line ${line} names service "${short}" which line ${first} already names; list each service once`,
      );
      continue;
    }
    seen.set(short, line);
    services.push(name);
  }
  const service = services[0] ?? raw(INPUT.service);

  // A long-format service ARN names its cluster: it must be the one deployed to. With `cluster`
  // left at its default, the ARN's cluster is the one meant. Several services share one cluster.
  const arnClusters = [...new Set(services.map(clusterOfServiceArn).filter((c) => c !== undefined))];
  if (arnClusters.length > 1) {
    complain(
      INPUT.service,
      `names services of clusters ${arnClusters.map((c) => `"${c}"`).join(' and ')}; the services of one step share one cluster: run one step per cluster`,
    );
  }
  const arnCluster = arnClusters.length === 1 ? arnClusters[0] : undefined;
  if (arnCluster !== undefined && clusterName(cluster) !== arnCluster) {
    if (!given(INPUT.cluster)) cluster = arnCluster;
    else
      complain(
        INPUT.service,
        `is a service of cluster "${arnCluster}", but cluster is "${cluster}"; set cluster: ${arnCluster}, or give the ARN of the service in ${cluster}`,
      );
  }
  return { cluster, service, services };
}

/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>` -> cluster; the old `service/<name>` form names none. */
function clusterOfServiceArn(service: string): string | undefined {
  const m =
    /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]{1,255})\/[A-Za-z0-9_-]{1,255}$/.exec(
      service,
    );
  return m?.[1];
}

/** A service input's name: itself, or the name at the end of its ARN. */
export function serviceName(service: string): string {
  return service.slice(service.lastIndexOf('/') + 1);
}

/** A cluster input's name: itself, or the name in its ARN. */
function clusterName(cluster: string): string {
  const m = /:cluster\/([A-Za-z0-9_-]{1,255})$/.exec(cluster);
  return m?.[1] ?? cluster;
}
