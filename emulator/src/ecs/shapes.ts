// Store records -> the output shapes of the ECS API reference (Cluster, Service, Deployment, Task,
// TaskDefinition), with timestamps in epoch seconds as the JSON protocol sends them. Fields AWS
// omits when unset are left undefined so JSON.stringify drops them.
import type { ClusterRecord, EcsStore, ServiceRecord, TaskDefinitionRecord, TaskRecord } from './store.js';
import { deploymentConfigurationShape } from './deployment-configuration.js';
import { seconds } from './input.js';
import { revisionCounts, serviceDeploymentsOf } from './service-deployments.js';
import { isStarting, lifecycleStep } from './task-lifecycle.js';

const isRunning = (t: TaskRecord): boolean => t.lastStatus === 'RUNNING';
const isPending = (t: TaskRecord): boolean => isStarting(t.lastStatus);

export function clusterShape(
  cluster: ClusterRecord,
  store: EcsStore,
  withTags: boolean,
): Record<string, unknown> {
  const tasks = [...store.tasks.values()].filter((t) => t.clusterArn === cluster.arn);
  const services = [...store.services.values()].filter(
    (s) => s.clusterArn === cluster.arn && s.status === 'ACTIVE',
  );
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: cluster.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount: tasks.filter(isRunning).length,
    pendingTasksCount: tasks.filter(isPending).length,
    activeServicesCount: services.length,
    statistics: [],
    tags: withTags ? cluster.tags : undefined,
    settings: cluster.settings,
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  };
}

export function taskDefinitionShape(definition: TaskDefinitionRecord): Record<string, unknown> {
  return {
    ...definition.body,
    taskDefinitionArn: definition.arn,
    family: definition.family,
    revision: definition.revision,
    status: definition.status,
    registeredAt: seconds(definition.registeredAt),
    deregisteredAt: seconds(definition.deregisteredAt),
    registeredBy: `arn:aws:iam::000000000000:root`,
  };
}

export function serviceShape(
  service: ServiceRecord,
  store: EcsStore,
  withTags: boolean,
): Record<string, unknown> {
  const tasks = [...store.tasks.values()].filter(
    (t) => t.serviceArn === service.arn && t.desiredStatus === 'RUNNING',
  );
  const primary = service.deployments[0];
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.clusterArn,
    loadBalancers: service.loadBalancers.map((lb) => ({ ...lb })),
    serviceRegistries: [],
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: tasks.filter(isRunning).length,
    pendingCount: tasks.filter(isPending).length,
    launchType: service.launchType,
    platformVersion: service.platformVersion,
    platformFamily: service.platformVersion !== undefined ? 'Linux' : undefined,
    taskDefinition: primary?.taskDefinitionArn ?? service.taskDefinitionArn,
    deploymentConfiguration: deploymentConfigurationShape(service.deploymentConfiguration),
    deployments: service.deployments.map((d) => {
      const own = tasks.filter((t) => t.deploymentId === d.id);
      return {
        id: d.id,
        status: d.status,
        taskDefinition: d.taskDefinitionArn,
        desiredCount: d.desiredCount,
        pendingCount: own.filter(isPending).length,
        runningCount: own.filter(isRunning).length,
        failedTasks: d.failedTasks,
        createdAt: seconds(d.createdAt),
        updatedAt: seconds(d.updatedAt),
        launchType: service.launchType,
        platformVersion: service.platformVersion,
        platformFamily: service.platformVersion !== undefined ? 'Linux' : undefined,
        networkConfiguration: service.networkConfiguration,
        rolloutState: d.rolloutState,
        rolloutStateReason: d.rolloutStateReason,
      };
    }),
    events: service.events.map((e) => ({ id: e.id, createdAt: seconds(e.createdAt), message: e.message })),
    createdAt: seconds(service.createdAt),
    // The newest service deployment, and the revisions the service runs (API reference, Service).
    currentServiceDeployment: serviceDeploymentsOf(store, service)[0]?.arn,
    currentServiceRevisions: [...new Set(service.deployments.map((d) => d.serviceRevisionArn))].map((arn) =>
      revisionCounts(store, service, arn),
    ),
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: service.networkConfiguration,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'ECS' },
    tags: withTags ? service.tags : undefined,
    createdBy: 'arn:aws:iam::000000000000:root',
    enableECSManagedTags: service.enableECSManagedTags,
    propagateTags: service.propagateTags,
    enableExecuteCommand: service.enableExecuteCommand,
  };
}

export function taskShape(task: TaskRecord, withTags: boolean): Record<string, unknown> {
  // awsvpc: one ElasticNetworkInterface attachment; ATTACHED while the task runs, DELETED once
  // DEPROVISIONING has detached it (page "Amazon ECS task networking options for Fargate").
  const eniStatus =
    task.lastStatus === 'STOPPED' || task.lastStatus === 'DEPROVISIONING'
      ? 'DELETED'
      : task.lastStatus === 'PROVISIONING'
        ? 'PRECREATED'
        : 'ATTACHED';
  const eniId = `eni-${task.attachmentId.replace(/-/g, '').slice(0, 17)}`;
  const awsvpc = task.networkMode === 'awsvpc';
  // NetworkBinding (API reference): "After a task reaches the RUNNING status, manual and automatic
  // host and container port assignments are visible in the networkBindings section".
  const bound = !isStarting(task.lastStatus);
  return {
    attachments: awsvpc ? eniAttachment(task, eniStatus, eniId) : [],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    availabilityZone: `${task.region}a`,
    clusterArn: task.clusterArn,
    containerInstanceArn: task.containerInstanceArn,
    connectivity: 'CONNECTED',
    connectivityAt: seconds(task.createdAt),
    containers: task.containers.map((c) => ({
      containerArn: `arn:aws:ecs:${task.region}:000000000000:container/${task.clusterName}/${task.id}/${c.runtimeId}`,
      taskArn: task.arn,
      name: c.name,
      image: c.image,
      runtimeId: c.runtimeId,
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      reason: c.reason,
      networkBindings:
        bound && !awsvpc
          ? (c.networkBindings ?? []).map((b) => ({
              bindIP: '0.0.0.0',
              containerPort: b.containerPort,
              hostPort: b.hostPort,
              protocol: 'tcp',
            }))
          : [],
      networkInterfaces: awsvpc ? [{ attachmentId: task.attachmentId, privateIpv4Address: task.ip }] : [],
      healthStatus: c.healthStatus ?? 'UNKNOWN',
      cpu: c.cpu,
      memory: c.memory,
      memoryReservation: c.memoryReservation,
    })),
    cpu: task.cpu,
    memory: task.memory,
    createdAt: seconds(task.createdAt),
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: false,
    executionStoppedAt: seconds(task.executionStoppedAt),
    group: task.group,
    healthStatus: task.healthStatus ?? 'UNKNOWN',
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    overrides: {
      containerOverrides: task.containers.map((c) => ({ name: c.name, command: c.command })),
      inferenceAcceleratorOverrides: [],
    },
    platformVersion: task.launchType === 'FARGATE' ? '1.4.0' : undefined,
    platformFamily: task.launchType === 'FARGATE' ? 'Linux' : undefined,
    pullStartedAt: seconds(task.pullStartedAt),
    pullStoppedAt: seconds(task.pullStoppedAt),
    startedAt: seconds(task.startedAt),
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: seconds(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    stoppingAt: seconds(task.stoppingAt),
    tags: withTags ? task.tags : undefined,
    taskArn: task.arn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: versionOf(task),
    ephemeralStorage: { sizeInGiB: 20 },
  };
}

/** Task `version` goes up with every change of the task's state; derived from the lifecycle position. */
function versionOf(task: TaskRecord): number {
  return lifecycleStep(task.lastStatus) + (task.desiredStatus === 'STOPPED' ? 1 : 0);
}

/** The awsvpc task's ElasticNetworkInterface attachment. */
function eniAttachment(task: TaskRecord, status: string, eniId: string): Record<string, unknown>[] {
  return [
    {
      id: task.attachmentId,
      type: 'ElasticNetworkInterface',
      status,
      details: [
        { name: 'subnetId', value: 'subnet-00000000000000001' },
        { name: 'networkInterfaceId', value: eniId },
        { name: 'macAddress', value: '02:00:00:00:00:01' },
        { name: 'privateDnsName', value: `ip-${task.ip.replace(/\./g, '-')}.ec2.internal` },
        { name: 'privateIPv4Address', value: task.ip },
      ],
    },
  ];
}
