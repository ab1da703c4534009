// Where a task of the EC2 launch type with bridge or host networking runs, and on which host ports.
// Pure. Models (ECS developer guide and API reference):
// - "Task definition parameters", portMappings.hostPort: in bridge mode a hostPort of 0 or none is
//   dynamic, taken from the instance's ephemeral port range; "Use a Network Load Balancer for
//   Amazon ECS": "the host port is dynamically chosen from the ephemeral port range of the
//   container instance (such as 32768 to 61000 on the latest Amazon ECS-optimized AMI)". In host
//   mode the host port is the container port.
// - "Amazon ECS container instance" registeredResources PORTS: the agent reserves 22, 2375, 2376,
//   51678 and 51679 on every instance; no task may bind them.
// - "Amazon ECS service event messages": a task goes only where every host port it needs is free;
//   with no such instance it is not placed, and the service event says "was unable to place a task
//   because no container instance met all of its requirements. The closest matching
//   (container-instance <id>) is already using a port required by your task."
// Among the instances that fit, the one running the fewest tasks is chosen (a spread by instance;
// AWS's default for services spreads over Availability Zones first, which the emulator has one of).

/** The ECS-optimized AMI's ephemeral port range (ip_local_port_range). */
export const EPHEMERAL_PORTS = { first: 32768, last: 61000 } as const;

/** Ports the ECS agent reserves on every container instance. */
export const RESERVED_PORTS: readonly number[] = [22, 2375, 2376, 51678, 51679];

export interface PortNeed {
  containerName: string;
  containerPort: number;
  /** 0: any free port of the ephemeral range (dynamic mapping). */
  hostPort: number;
}

export interface InstanceRoom {
  arn: string;
  id: string;
  /** Host ports in use on it. */
  used: ReadonlySet<number> | ReadonlyMap<number, unknown>;
  tasks: number;
}

export type Placement =
  | {
      placed: true;
      instance: InstanceRoom;
      bindings: { containerName: string; containerPort: number; hostPort: number }[];
    }
  | { placed: false; message: string };

/** The host ports a task of this definition needs (bridge: as mapped, 0 for dynamic; host: the container port). */
export function portNeedsOf(body: Record<string, unknown>): PortNeed[] {
  const mode = String(body['networkMode'] ?? 'bridge');
  const defs = (body['containerDefinitions'] ?? []) as {
    name?: string;
    portMappings?: { containerPort?: number; hostPort?: number }[];
  }[];
  return defs.flatMap((def) =>
    (def.portMappings ?? [])
      .filter((pm) => typeof pm.containerPort === 'number')
      .map((pm) => ({
        containerName: String(def.name ?? ''),
        containerPort: pm.containerPort!,
        hostPort: mode === 'host' ? pm.containerPort! : (pm.hostPort ?? 0),
      })),
  );
}

const inUse = (room: InstanceRoom, port: number): boolean =>
  room.used.has(port) || RESERVED_PORTS.includes(port);

/** The lowest free port of the ephemeral range, not one of `taken`; undefined when the range is full. */
function freeEphemeral(room: InstanceRoom, taken: ReadonlySet<number>): number | undefined {
  for (let p = EPHEMERAL_PORTS.first; p <= EPHEMERAL_PORTS.last; p++)
    if (!inUse(room, p) && !taken.has(p)) return p;
  return undefined;
}

/** Host ports for `needs` on `room`, or undefined when one cannot be had. */
function bindOn(room: InstanceRoom, needs: readonly PortNeed[]): Placement | undefined {
  const taken = new Set<number>();
  const bindings: { containerName: string; containerPort: number; hostPort: number }[] = [];
  for (const need of needs.filter((n) => n.hostPort !== 0)) {
    if (inUse(room, need.hostPort) || taken.has(need.hostPort)) return undefined;
    taken.add(need.hostPort);
    bindings.push({ ...need });
  }
  for (const need of needs.filter((n) => n.hostPort === 0)) {
    const port = freeEphemeral(room, taken);
    if (port === undefined) return undefined;
    taken.add(port);
    bindings.push({ ...need, hostPort: port });
  }
  return { placed: true, instance: room, bindings };
}

export function placeTask(instances: readonly InstanceRoom[], needs: readonly PortNeed[]): Placement {
  if (instances.length === 0) {
    return {
      placed: false,
      message:
        'was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.',
    };
  }
  const byLoad = [...instances].sort((a, b) => a.tasks - b.tasks);
  for (const room of byLoad) {
    const placement = bindOn(room, needs);
    if (placement) return placement;
  }
  return {
    placed: false,
    message:
      'was unable to place a task because no container instance met all of its requirements. ' +
      `The closest matching (container-instance ${byLoad[0]!.id}) is already using a port required by your task.`,
  };
}
