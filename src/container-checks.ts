// Which containers of a task definition carry an ECS container health check, read from the
// registered body (DescribeTaskDefinition) or the file to register. Pure.
//
// ECS's task healthStatus (developer guide, "Determine Amazon ECS task health using container health
// checks"; API reference, HealthCheck): only containers with a health check command are considered;
// essential ones decide, and nonessential ones only when no essential container has a check. The
// engine gates on exactly those containers.

export interface ContainerCheck {
  name: string;
  essential: boolean;
  /** ECS's defaults when the definition leaves them out: interval 30 s, start period 0. */
  intervalSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

/** The containers whose health checks decide the task's healthStatus, in definition order. */
export function healthCheckedContainers(body: Record<string, unknown> | undefined): ContainerCheck[] {
  const defs = Array.isArray(body?.['containerDefinitions'])
    ? (body['containerDefinitions'] as unknown[])
    : [];
  const checked: ContainerCheck[] = [];
  for (const def of defs) {
    if (typeof def !== 'object' || def === null) continue;
    const d = def as Record<string, unknown>;
    const hc = d['healthCheck'] as Record<string, unknown> | undefined;
    const command = hc?.['command'];
    if (!Array.isArray(command) || command.length === 0 || typeof d['name'] !== 'string') continue;
    checked.push({
      name: d['name'],
      essential: d['essential'] !== false,
      intervalSeconds: numberOr(hc?.['interval'], 30),
      retries: numberOr(hc?.['retries'], 3),
      startPeriodSeconds: numberOr(hc?.['startPeriod'], 0),
    });
  }
  const essential = checked.filter((c) => c.essential);
  return essential.length > 0 ? essential : checked;
}

/** The names the engine gates on (rollout options `containerChecks`). */
export function healthCheckedNames(body: Record<string, unknown> | undefined): string[] {
  return healthCheckedContainers(body).map((c) => c.name);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
