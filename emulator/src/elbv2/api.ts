// The ELBv2 operations the emulator serves, as handlers from a decoded Query request to the
// Result element's content. Shapes, defaults, validation and error codes follow the Elastic Load
// Balancing API Reference (version 2015-12-01) for each action; each handler says what it models.
// Health and draining live in targets.ts, the listeners' proxies in listener-proxy.ts.
import { AwsError } from '../contracts.js';
import type { RequestContext } from '../contracts.js';
import {
  optBool,
  optEnum,
  optInt,
  optString,
  optStruct,
  reqString,
  stringList,
  structList,
} from './query.js';
import type { QueryTree } from './query.js';
import {
  ALB_HOSTED_ZONE,
  ATTRIBUTE_RULES,
  DEFAULT_TARGET_GROUP_ATTRIBUTES,
  newListenerArn,
  newLoadBalancerIdentity,
  newTargetGroupArn,
} from './store.js';
import type {
  Elbv2Store,
  ForwardTarget,
  HealthCheckSettings,
  Listener,
  LoadBalancer,
  TargetGroup,
} from './store.js';
import { byPosition, bySequence, pageAfter } from './paging.js';
import type { Keyed } from './paging.js';
import { parseHttpCodeMatcher } from './target-health.js';
import { keyOf } from './targets.js';
import type { TargetEntry, Targets } from './targets.js';
import type { XmlObject, XmlValue } from './xml.js';

export interface ApiDeps {
  store: Elbv2Store;
  targets: Targets;
  /** Starts the local proxy of a new listener; rejects if it cannot listen. */
  openListener(listener: Listener): Promise<void>;
}

export type Handler = (input: QueryTree, ctx: RequestContext) => XmlObject | Promise<XmlObject>;

const notFound = {
  loadBalancer: () => new AwsError('LoadBalancerNotFound', 'One or more load balancers not found'),
  targetGroup: () => new AwsError('TargetGroupNotFound', 'One or more target groups not found'),
  listener: () => new AwsError('ListenerNotFound', 'One or more listeners not found'),
};

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message);
}

/** Describe* PageSize: "The maximum number of results to return with this call", 1-400. */
function pageOf<T>(
  operation: string,
  input: QueryTree,
  entries: Keyed<T>[],
): { items: T[]; nextMarker?: string } {
  const pageSize = optInt(input, 'PageSize', 1, 400) ?? 400;
  return pageAfter(operation, entries, optString(input, 'Marker'), pageSize);
}

function withMarker(result: XmlObject, nextMarker: string | undefined): XmlObject {
  return nextMarker === undefined ? result : { ...result, NextMarker: nextMarker };
}

/**
 * Load balancer and target group names: "This name must be unique per region per account, can have
 * a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not
 * begin or end with a hyphen" (CreateLoadBalancer, CreateTargetGroup); a load balancer's "must not
 * begin with internal-".
 */
function checkName(kind: 'Load balancer' | 'Target group', name: string): void {
  if (name.length > 32) throw validation(`${kind} name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) {
    throw validation(
      `${kind} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`,
    );
  }
  if (name.startsWith('-') || name.endsWith('-'))
    throw validation(`${kind} name '${name}' cannot begin or end with '-'`);
  if (kind === 'Load balancer' && name.startsWith('internal-')) {
    throw validation(`Load balancer name '${name}' cannot begin with 'internal-'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Shapes, as the API reference's data types name their members.

/** Describe* by Names: names are per region, and any unknown one fails the whole call. */
function byNames<T extends { name: string; region: string }>(
  all: Iterable<T>,
  names: readonly string[],
  region: string,
  notFoundError: () => AwsError,
): T[] {
  const inRegion = [...all].filter((item) => item.region === region);
  return names.map((name) => {
    const item = inRegion.find((i) => i.name === name);
    if (!item) throw notFoundError();
    return item;
  });
}

function loadBalancerXml(lb: LoadBalancer): XmlObject {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: ALB_HOSTED_ZONE,
    CreatedTime: lb.createdTime,
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: 'active' },
    Type: lb.type,
    AvailabilityZones: lb.subnets.map((subnet, i) => ({
      ZoneName: zoneName(lb.region, i),
      SubnetId: subnet,
      LoadBalancerAddresses: [],
    })),
    SecurityGroups: lb.securityGroups,
    IpAddressType: lb.ipAddressType,
  };
}

function zoneName(region: string, index: number): string {
  return `${region}${'abcdef'.charAt(index % 6)}`;
}

function targetGroupXml(group: TargetGroup): XmlObject {
  const hc = group.healthCheck;
  return {
    TargetGroupArn: group.arn,
    TargetGroupName: group.name,
    Protocol: group.protocol,
    Port: group.port,
    VpcId: group.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: hc.enabled,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: hc.matcher },
    LoadBalancerArns: group.loadBalancerArns,
    TargetType: group.targetType,
    ProtocolVersion: group.protocolVersion,
    IpAddressType: group.ipAddressType,
  };
}

/**
 * A forward action as DescribeListeners answers it: AWS fills in ForwardConfig even when the
 * action named one group by TargetGroupArn, and keeps TargetGroupArn when there is one group.
 */
function listenerXml(listener: Listener): XmlObject {
  const first = listener.forward[0];
  const action: XmlObject = { Type: 'forward' };
  if (listener.forward.length === 1 && first) action['TargetGroupArn'] = first.targetGroupArn;
  action['ForwardConfig'] = {
    TargetGroups: listener.forward.map((f) => ({ TargetGroupArn: f.targetGroupArn, Weight: f.weight })),
    TargetGroupStickinessConfig: { Enabled: false },
  };
  return {
    ListenerArn: listener.arn,
    LoadBalancerArn: listener.loadBalancerArn,
    Port: listener.port,
    Protocol: listener.protocol,
    DefaultActions: [action],
  };
}

function attributesXml(group: TargetGroup): XmlValue {
  return [...group.attributes].map(([Key, Value]) => ({ Key, Value }));
}

// ---------------------------------------------------------------------------------------------

export function createHandlers(deps: ApiDeps): Record<string, Handler> {
  const { store, targets } = deps;

  const groupByArn = (arn: string): TargetGroup => {
    const group = store.targetGroups.get(arn);
    if (!group) throw notFound.targetGroup();
    return group;
  };
  const loadBalancerByArn = (arn: string): LoadBalancer => {
    const lb = store.loadBalancers.get(arn);
    if (!lb) throw notFound.loadBalancer();
    return lb;
  };

  return {
    /**
     * CreateLoadBalancer (application only). "You must specify subnets from at least two
     * Availability Zones"; creating one with the name and settings of an existing one "succeeds"
     * and returns it, different settings are DuplicateLoadBalancerName.
     */
    CreateLoadBalancer(input, ctx) {
      const name = reqString(input, 'Name');
      checkName('Load balancer', name);
      const type = optEnum(input, 'Type', ['application', 'network', 'gateway'] as const) ?? 'application';
      if (type !== 'application')
        throw validation(`The emulator models Application Load Balancers only, not '${type}'`);
      const scheme = optEnum(input, 'Scheme', ['internet-facing', 'internal'] as const) ?? 'internet-facing';
      const ipAddressType = optEnum(input, 'IpAddressType', ['ipv4', 'dualstack'] as const) ?? 'ipv4';
      const mappings = structList(input, 'SubnetMappings').map((m) => reqString(m, 'SubnetId'));
      const subnets = [...stringList(input, 'Subnets'), ...mappings];
      if (subnets.length === 0) throw validation('At least one subnet must be specified');
      if (new Set(subnets).size < 2) {
        throw validation('At least two subnets in two different Availability Zones must be specified');
      }
      const securityGroups = stringList(input, 'SecurityGroups');

      const existing = [...store.loadBalancers.values()].find(
        (lb) => lb.name === name && lb.region === ctx.region,
      );
      if (existing) {
        const same =
          existing.scheme === scheme &&
          existing.ipAddressType === ipAddressType &&
          existing.subnets.join() === subnets.join() &&
          (securityGroups.length === 0 || existing.securityGroups.join() === securityGroups.join());
        if (!same) {
          throw new AwsError(
            'DuplicateLoadBalancerName',
            `A load balancer with the same name '${name}' exists, but with different settings`,
          );
        }
        return { LoadBalancers: [loadBalancerXml(existing)] };
      }
      const identity = newLoadBalancerIdentity(ctx.region, name);
      const lb: LoadBalancer = {
        seq: store.nextSeq(),
        arn: identity.arn,
        id: identity.id,
        dnsName: scheme === 'internal' ? `internal-${identity.dnsName}` : identity.dnsName,
        name,
        region: ctx.region,
        scheme,
        type: 'application',
        ipAddressType,
        // The emulator has no subnets to look up; every load balancer lives in one default VPC.
        vpcId: DEFAULT_VPC_ID,
        subnets,
        securityGroups,
        createdTime: new Date(),
      };
      store.loadBalancers.set(lb.arn, lb);
      return { LoadBalancers: [loadBalancerXml(lb)] };
    },

    /** DescribeLoadBalancers: all, or by LoadBalancerArns or Names (any unknown one: LoadBalancerNotFound). */
    DescribeLoadBalancers(input, ctx) {
      const arns = stringList(input, 'LoadBalancerArns');
      const names = stringList(input, 'Names');
      if (arns.length > 0 && names.length > 0)
        throw validation('Load balancer names and load balancer ARNs cannot be specified at the same time');
      let found: Keyed<LoadBalancer>[];
      if (arns.length > 0) found = byPosition(arns.map(loadBalancerByArn));
      else if (names.length > 0) {
        found = byPosition(byNames(store.loadBalancers.values(), names, ctx.region, notFound.loadBalancer));
      } else found = bySequence([...store.loadBalancers.values()].filter((lb) => lb.region === ctx.region));
      const { items, nextMarker } = pageOf('DescribeLoadBalancers', input, found);
      return withMarker({ LoadBalancers: items.map(loadBalancerXml) }, nextMarker);
    },

    /**
     * CreateTargetGroup for ALB target groups (HTTP/HTTPS; instance or ip targets) with the
     * documented defaults: health check HTTP on traffic-port at `/`, every 30 s, timeout 5 s,
     * healthy after 5, unhealthy after 2, matcher 200; health checks "are always enabled and cannot
     * be disabled" for instance and ip targets. Same name and settings: "succeeds" with the
     * existing group; different settings: DuplicateTargetGroupName.
     */
    CreateTargetGroup(input, ctx) {
      const name = reqString(input, 'Name');
      checkName('Target group', name);
      const targetType =
        optEnum(input, 'TargetType', ['instance', 'ip', 'lambda', 'alb'] as const) ?? 'instance';
      if (targetType !== 'instance' && targetType !== 'ip') {
        throw validation(
          `The emulator models target groups of type instance and ip only, not '${targetType}'`,
        );
      }
      const protocol = optEnum(input, 'Protocol', [
        'HTTP',
        'HTTPS',
        'TCP',
        'TLS',
        'UDP',
        'TCP_UDP',
        'GENEVE',
      ] as const);
      if (protocol === undefined) throw validation('A protocol must be specified');
      if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
        throw validation(
          `The emulator models Application Load Balancer target groups (HTTP, HTTPS) only, not '${protocol}'`,
        );
      }
      const port = optInt(input, 'Port', 1, 65535);
      if (port === undefined) throw validation('A port must be specified');
      const vpcId = optString(input, 'VpcId');
      if (vpcId === undefined || vpcId === '') throw validation('A VPC ID must be specified');
      const protocolVersion =
        optEnum(input, 'ProtocolVersion', ['HTTP1', 'HTTP2', 'GRPC'] as const) ?? 'HTTP1';
      const ipAddressType = optEnum(input, 'IpAddressType', ['ipv4', 'ipv6'] as const) ?? 'ipv4';
      if (optBool(input, 'HealthCheckEnabled') === false) {
        throw validation(
          "Health checks cannot be disabled for target groups with target type 'instance' or 'ip'",
        );
      }
      const healthCheck = healthCheckSettings(input);

      const existing = [...store.targetGroups.values()].find(
        (g) => g.name === name && g.region === ctx.region,
      );
      if (existing) {
        const same =
          existing.protocol === protocol &&
          existing.port === port &&
          existing.vpcId === vpcId &&
          existing.targetType === targetType &&
          JSON.stringify(existing.healthCheck) === JSON.stringify(healthCheck);
        if (!same) {
          throw new AwsError(
            'DuplicateTargetGroupName',
            `A target group with the same name '${name}' exists, but with different settings`,
          );
        }
        return { TargetGroups: [targetGroupXml(existing)] };
      }
      const group: TargetGroup = {
        seq: store.nextSeq(),
        arn: newTargetGroupArn(ctx.region, name),
        name,
        region: ctx.region,
        protocol,
        protocolVersion,
        port,
        vpcId,
        targetType,
        ipAddressType,
        healthCheck,
        attributes: new Map(DEFAULT_TARGET_GROUP_ATTRIBUTES),
        loadBalancerArns: [],
      };
      store.targetGroups.set(group.arn, group);
      return { TargetGroups: [targetGroupXml(group)] };
    },

    /** DescribeTargetGroups: all, or by LoadBalancerArn, TargetGroupArns or Names (one of them). */
    DescribeTargetGroups(input, ctx) {
      const lbArn = optString(input, 'LoadBalancerArn');
      const arns = stringList(input, 'TargetGroupArns');
      const names = stringList(input, 'Names');
      const given = [lbArn !== undefined, arns.length > 0, names.length > 0].filter(Boolean).length;
      if (given > 1)
        throw validation('Only one of LoadBalancerArn, TargetGroupArns or Names can be specified');
      let found: Keyed<TargetGroup>[];
      if (lbArn !== undefined) {
        loadBalancerByArn(lbArn);
        found = bySequence(
          [...store.targetGroups.values()].filter((g) => g.loadBalancerArns.includes(lbArn)),
        );
      } else if (arns.length > 0) found = byPosition(arns.map(groupByArn));
      else if (names.length > 0) {
        found = byPosition(byNames(store.targetGroups.values(), names, ctx.region, notFound.targetGroup));
      } else found = bySequence([...store.targetGroups.values()].filter((g) => g.region === ctx.region));
      const { items, nextMarker } = pageOf('DescribeTargetGroups', input, found);
      return withMarker({ TargetGroups: items.map(targetGroupXml) }, nextMarker);
    },

    /**
     * DeleteTargetGroup: "You can delete a target group if it is not referenced by any actions"
     * (else ResourceInUse); "Deleting a target group also deletes any associated health checks".
     * An unknown ARN succeeds: the operation declares no TargetGroupNotFound error.
     */
    DeleteTargetGroup(input) {
      const arn = reqString(input, 'TargetGroupArn');
      if (!store.targetGroups.has(arn)) return {};
      const inUse = [...store.listeners.values()].some((l) =>
        l.forward.some((f) => f.targetGroupArn === arn),
      );
      if (inUse) {
        throw new AwsError(
          'ResourceInUse',
          `Target group '${arn}' is currently in use by a listener or a rule`,
        );
      }
      targets.forgetGroup(arn);
      store.targetGroups.delete(arn);
      return {};
    },

    DescribeTargetGroupAttributes(input) {
      const group = groupByArn(reqString(input, 'TargetGroupArn'));
      return { Attributes: attributesXml(group) };
    },

    /**
     * ModifyTargetGroupAttributes: every key checked before any is applied (the call is all or
     * nothing); answers the group's attributes after the change. A new deregistration delay applies
     * to targets deregistered from then on.
     */
    ModifyTargetGroupAttributes(input) {
      const group = groupByArn(reqString(input, 'TargetGroupArn'));
      const attributes = structList(input, 'Attributes');
      if (attributes.length === 0) {
        throw validation(
          "1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null",
        );
      }
      const changes: [string, string][] = attributes.map((a) => {
        const key = reqString(a, 'Key');
        const value = optString(a, 'Value') ?? '';
        const rule = ATTRIBUTE_RULES[key];
        if (!rule) throw validation(`Target group attribute key '${key}' is not recognized`);
        if (!rule(value)) throw validation(`Target group attribute '${key}' has an invalid value '${value}'`);
        return [key, value];
      });
      for (const [key, value] of changes) group.attributes.set(key, value);
      return { Attributes: attributesXml(group) };
    },

    /**
     * CreateListener with a forward default action (TargetGroupArn or ForwardConfig). HTTP only.
     * A target group may serve only one load balancer (TargetGroupAssociationLimit); a second
     * listener on a port: DuplicateListener, unless its settings are the same ("succeeds").
     */
    async CreateListener(input) {
      const lb = loadBalancerByArn(reqString(input, 'LoadBalancerArn'));
      const protocol = optString(input, 'Protocol') ?? 'HTTP';
      if (protocol !== 'HTTP')
        throw new AwsError(
          'UnsupportedProtocol',
          `The emulator serves HTTP listeners only, not '${protocol}'`,
        );
      const port = optInt(input, 'Port', 1, 65535);
      if (port === undefined) throw validation('A listener port must be specified');
      const actions = structList(input, 'DefaultActions');
      if (actions.length === 0) throw validation('A default action must be specified');
      if (actions.length > 1) throw validation('The emulator supports a single forward default action');
      const forward = forwardTargets(actions[0] as QueryTree);
      const groups = forward.map((f) => groupByArn(f.targetGroupArn));
      const taken = groups.filter((g) => g.loadBalancerArns.some((arn) => arn !== lb.arn));
      if (taken.length > 0) {
        throw new AwsError(
          'TargetGroupAssociationLimit',
          `The following target groups cannot be associated with more than one load balancer: ${taken.map((g) => g.arn).join(', ')}`,
        );
      }
      const onPort = [...store.listeners.values()].find(
        (l) => l.loadBalancerArn === lb.arn && l.port === port,
      );
      if (onPort) {
        if (JSON.stringify(onPort.forward) !== JSON.stringify(forward)) {
          throw new AwsError(
            'DuplicateListener',
            'A listener already exists on this port for this load balancer',
          );
        }
        return { Listeners: [listenerXml(onPort)] };
      }
      const action = actions[0] as QueryTree;
      const listener: Listener = {
        seq: store.nextSeq(),
        arn: newListenerArn(lb),
        loadBalancerArn: lb.arn,
        port,
        protocol: 'HTTP',
        forward,
        actionForm: {
          targetGroupArn: optString(action, 'TargetGroupArn') !== undefined,
          forwardConfig: optStruct(action, 'ForwardConfig') !== undefined,
        },
      };
      await deps.openListener(listener);
      store.listeners.set(listener.arn, listener);
      for (const group of groups) {
        if (!group.loadBalancerArns.includes(lb.arn)) group.loadBalancerArns.push(lb.arn);
        // "Before the load balancer sends a health check request to a target, you must ... specify
        // its target group in a listener rule": checks of already registered targets start now.
        targets.groupInUse(group.arn);
      }
      return { Listeners: [listenerXml(listener)] };
    },

    /** DescribeListeners: by LoadBalancerArn or ListenerArns (one of them is required). */
    DescribeListeners(input) {
      const lbArn = optString(input, 'LoadBalancerArn');
      const arns = stringList(input, 'ListenerArns');
      if (lbArn === undefined && arns.length === 0)
        throw validation('You must specify either listener ARNs or a load balancer ARN');
      if (lbArn !== undefined && arns.length > 0)
        throw validation('Listener ARNs and a load balancer ARN cannot be specified at the same time');
      let found: Keyed<Listener>[];
      if (lbArn !== undefined) {
        loadBalancerByArn(lbArn);
        found = bySequence([...store.listeners.values()].filter((l) => l.loadBalancerArn === lbArn));
      } else {
        found = byPosition(
          arns.map((arn) => {
            const listener = store.listeners.get(arn);
            if (!listener) throw notFound.listener();
            return listener;
          }),
        );
      }
      const { items, nextMarker } = pageOf('DescribeListeners', input, found);
      return withMarker({ Listeners: items.map(listenerXml) }, nextMarker);
    },

    /**
     * RegisterTargets: "If the target type is ip, specify IP addresses"; "if the target type is
     * instance, specify an instance ID"; the port defaults to the group's. Registering a registered
     * target again is a no-op.
     */
    RegisterTargets(input) {
      const group = groupByArn(reqString(input, 'TargetGroupArn'));
      const refs = targetList(input, group);
      const invalid = refs.filter((r) => !validTargetId(group, r.id));
      if (invalid.length > 0) {
        const what = group.targetType === 'ip' ? 'IP addresses' : 'instance IDs';
        throw new AwsError(
          'InvalidTarget',
          `The following targets are not valid ${what}: ${invalid.map((r) => r.id).join(', ')}`,
        );
      }
      // The quota counts every registered target, draining ones included (they are still in the
      // group until the delay ends); registering one already there adds nothing. All or nothing.
      const registered = new Set(targets.list(group.arn).map((e) => keyOf(e.ref)));
      const added = refs.filter((r) => !registered.has(keyOf(r))).length;
      if (registered.size + added > TARGETS_PER_TARGET_GROUP) {
        throw new AwsError('TooManyTargets', "You've reached the limit on the number of targets.");
      }
      targets.register(group.arn, refs);
      return {};
    },

    /**
     * DeregisterTargets: the targets go `draining` for the group's deregistration delay. "If the
     * specified target does not exist, the action returns successfully."
     */
    DeregisterTargets(input) {
      const group = groupByArn(reqString(input, 'TargetGroupArn'));
      targets.deregister(group.arn, targetList(input, group));
      return {};
    },

    /**
     * DescribeTargetHealth: every registered target (draining ones included), or the ones asked
     * for, a target that is not registered answered as `unused` / Target.NotRegistered. A target
     * asked for without a port matches that ID on any port.
     */
    DescribeTargetHealth(input) {
      const group = groupByArn(reqString(input, 'TargetGroupArn'));
      const registered = targets.list(group.arn);
      const asked = structList(input, 'Targets');
      let descriptions: XmlObject[];
      if (asked.length === 0) {
        descriptions = registered.map((entry) => healthDescription(group, entry));
      } else {
        descriptions = asked.flatMap((t) => {
          const id = reqString(t, 'Id');
          const port = optInt(t, 'Port', 1, 65535);
          const matches = registered.filter(
            (e) => e.ref.id === id && (port === undefined || e.ref.port === port),
          );
          if (matches.length > 0) return matches.map((entry) => healthDescription(group, entry));
          const ref = { id, port: port ?? group.port };
          return [
            healthDescription(group, {
              ref,
              availabilityZone: '',
              record: notRegisteredRecord(targets, group, ref),
            }),
          ];
        });
      }
      return { TargetHealthDescriptions: descriptions };
    },
  };
}

export const DEFAULT_VPC_ID = 'vpc-0e0e0e0e0e0e0e0e0';

/**
 * "Targets per Target Group per Region (instances or IP addresses)": 1,000 by default (ALB User
 * Guide, "Quotas for your Application Load Balancers"; adjustable in AWS, fixed here). RegisterTargets
 * beyond it answers TooManyTargets, "You've reached the limit on the number of targets." (API
 * reference, RegisterTargets errors). The ECS scheduler's own registrations are not limited.
 */
export const TARGETS_PER_TARGET_GROUP = 1000;

function notRegisteredRecord(
  targets: Targets,
  group: TargetGroup,
  ref: { id: string; port: number },
): TargetEntry['record'] {
  return { view: targets.health(group.arn, ref), successes: 0, failures: 0, failedCodes: [] };
}

function healthDescription(group: TargetGroup, entry: TargetEntry): XmlObject {
  const { view } = entry.record;
  const target: XmlObject = { Id: entry.ref.id, Port: entry.ref.port };
  if (entry.availabilityZone !== '') target['AvailabilityZone'] = entry.availabilityZone;
  const health: XmlObject = { State: view.state };
  if (view.reason !== undefined) health['Reason'] = view.reason;
  if (view.description !== undefined) health['Description'] = view.description;
  return {
    Target: target,
    HealthCheckPort:
      group.healthCheck.port === 'traffic-port' ? String(entry.ref.port) : group.healthCheck.port,
    TargetHealth: health,
  };
}

function targetList(input: QueryTree, group: TargetGroup): { id: string; port: number }[] {
  const list = structList(input, 'Targets');
  if (list.length === 0) {
    throw validation(
      "1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null",
    );
  }
  const seen = new Map<string, { id: string; port: number }>();
  for (const t of list) {
    const ref = { id: reqString(t, 'Id'), port: optInt(t, 'Port', 1, 65535) ?? group.port };
    seen.set(keyOf(ref), ref);
  }
  return [...seen.values()];
}

function validTargetId(group: TargetGroup, id: string): boolean {
  if (group.targetType === 'instance') return /^i-[0-9a-f]{8,17}$/.test(id);
  const parts = id.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/**
 * The forward action: `TargetGroupArn`, or `ForwardConfig.TargetGroups` with weights 0-999 (a
 * weight defaults to 1); when both are given they must name the same single group.
 */
function forwardTargets(action: QueryTree): ForwardTarget[] {
  const type = reqString(action, 'Type');
  if (type !== 'forward')
    throw validation(`The emulator supports forward default actions only, not '${type}'`);
  const arn = optString(action, 'TargetGroupArn');
  const config = optStruct(action, 'ForwardConfig');
  const weighted = config
    ? structList(config, 'TargetGroups').map((t) => ({
        targetGroupArn: reqString(t, 'TargetGroupArn'),
        weight: optInt(t, 'Weight', 0, 999) ?? 1,
      }))
    : [];
  if (arn !== undefined && weighted.length > 0) {
    const only = weighted[0];
    if (weighted.length !== 1 || !only || only.targetGroupArn !== arn) {
      throw validation(
        'You cannot specify a target group ARN that differs from the target group in the forward config',
      );
    }
    return [{ targetGroupArn: arn, weight: only.weight }];
  }
  if (arn !== undefined) return [{ targetGroupArn: arn, weight: 1 }];
  if (weighted.length === 0) throw validation('A forward action must specify a target group');
  if (new Set(weighted.map((w) => w.targetGroupArn)).size !== weighted.length) {
    throw validation('A target group can appear only once in a forward config');
  }
  return weighted;
}

/**
 * Health-check settings with CreateTargetGroup's ranges: interval 5-300 s, timeout 2-120 s and
 * less than the interval, thresholds 2-10, Matcher.HttpCode 200-499 as values, lists or ranges.
 */
function healthCheckSettings(input: QueryTree): HealthCheckSettings {
  const protocol = optEnum(input, 'HealthCheckProtocol', ['HTTP', 'HTTPS', 'TCP'] as const) ?? 'HTTP';
  if (protocol === 'TCP')
    throw validation(
      'Health check protocol TCP is not supported for target groups with protocol HTTP or HTTPS',
    );
  const port = optString(input, 'HealthCheckPort') ?? 'traffic-port';
  if (port !== 'traffic-port' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw validation(`Health check port '${port}' must be 'traffic-port' or a number between 1 and 65535`);
  }
  const intervalSeconds = optInt(input, 'HealthCheckIntervalSeconds', 5, 300) ?? 30;
  const timeoutSeconds = optInt(input, 'HealthCheckTimeoutSeconds', 2, 120) ?? 5;
  if (timeoutSeconds >= intervalSeconds)
    throw validation('Health check interval must be greater than the timeout.');
  const path = optString(input, 'HealthCheckPath') ?? '/';
  if (!path.startsWith('/') || path.length > 1024)
    throw validation(`Health check path '${path}' must begin with '/' and be at most 1024 characters`);
  const matcherTree = optStruct(input, 'Matcher');
  const matcher = (matcherTree && optString(matcherTree, 'HttpCode')) ?? '200';
  if (!parseHttpCodeMatcher(matcher)) {
    throw validation(
      `Health check matcher HTTP code '${matcher}' must be a value or range of values between 200 and 499`,
    );
  }
  return {
    enabled: true,
    protocol,
    port,
    path,
    intervalSeconds,
    timeoutSeconds,
    healthyThreshold: optInt(input, 'HealthyThresholdCount', 2, 10) ?? 5,
    unhealthyThreshold: optInt(input, 'UnhealthyThresholdCount', 2, 10) ?? 2,
    matcher,
  };
}
