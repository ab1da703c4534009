// API rate limits as token buckets, the algorithm both ECS and ELBv2 document: a bucket holds at
// most `burst` tokens, each request takes one, and `perSecond` tokens flow back in; a request that
// finds the bucket empty is answered ThrottlingException (ECS) / Throttling (ELBv2).
// Buckets are per region, as AWS throttles "for each account on a per-Region basis".
import type { ServiceProtocol } from './contracts.js';

type Service = ServiceProtocol['service'];

export interface BucketLimit {
  /** Bucket capacity: the most requests allowed in one burst. */
  burst: number;
  /** Refill rate: the sustained requests per second. */
  perSecond: number;
}

/**
 * Limits keyed `<service>:<Operation>` (`ecs:DescribeServices`), or `<service>:<Prefix>*` for a
 * family (`elbv2:Describe*`). An exact key wins over a prefix; the longest prefix wins among
 * prefixes. Operations no key names are not throttled.
 */
export type ThrottleConfig = Record<string, BucketLimit>;

/**
 * Defaults close to AWS's published limits, from "Request throttling for the Amazon ECS API"
 * (docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html): cluster reads such as
 * DescribeClusters have a bucket of 50 refilled at 20/s; DescribeServices, DescribeTasks and
 * ListTasks are read actions sustained at about 20/s; RegisterTaskDefinition has a bucket of 20
 * refilled at 1/s. ELBv2 Describe* actions: bucket 40, 10/s ("Quotas for your Application Load
 * Balancers", API request throttling). Other operations are left unthrottled: AWS publishes no
 * figure we could check for them.
 */
export const AWS_THROTTLE_DEFAULTS: ThrottleConfig = {
  'ecs:DescribeClusters': { burst: 50, perSecond: 20 },
  'ecs:DescribeServices': { burst: 50, perSecond: 20 },
  'ecs:DescribeTasks': { burst: 50, perSecond: 20 },
  'ecs:ListTasks': { burst: 50, perSecond: 20 },
  'ecs:DescribeTaskDefinition': { burst: 50, perSecond: 20 },
  'ecs:ListTaskDefinitions': { burst: 50, perSecond: 20 },
  'ecs:RegisterTaskDefinition': { burst: 20, perSecond: 1 },
  'elbv2:Describe*': { burst: 40, perSecond: 10 },
};

export interface Throttler {
  /** Takes a token; false means the caller must answer with the throttling error. */
  take(service: Service, operation: string, region: string): boolean;
  /** Replace the limits (undefined or {} turns throttling off); buckets start full. */
  configure(config: ThrottleConfig | undefined): void;
  readonly config: ThrottleConfig;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** `now` in milliseconds; injectable so the bucket arithmetic is tested without waiting. */
export function createThrottler(
  config?: ThrottleConfig,
  now: () => number = () => performance.now(),
): Throttler {
  let limits: ThrottleConfig = { ...config };
  const buckets = new Map<string, Bucket>();

  return {
    get config() {
      return { ...limits };
    },
    configure(next) {
      limits = { ...next };
      buckets.clear();
    },
    take(service, operation, region) {
      const found = limitFor(limits, service, operation);
      if (!found) return true;
      const [key, limit] = found;
      // A family (`Describe*`) shares one bucket, as the published limits are per family.
      const bucketKey = `${region}|${key}`;
      const t = now();
      const bucket = buckets.get(bucketKey) ?? { tokens: limit.burst, updatedAt: t };
      bucket.tokens = Math.min(
        limit.burst,
        bucket.tokens + ((t - bucket.updatedAt) / 1000) * limit.perSecond,
      );
      bucket.updatedAt = t;
      buckets.set(bucketKey, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}

function limitFor(
  limits: ThrottleConfig,
  service: Service,
  operation: string,
): [string, BucketLimit] | undefined {
  const exactKey = `${service}:${operation}`;
  const exact = limits[exactKey];
  if (exact) return [exactKey, exact];
  let best: [string, BucketLimit] | undefined;
  for (const [key, limit] of Object.entries(limits)) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if (exactKey.startsWith(prefix) && (!best || prefix.length > best[0].length - 1)) best = [key, limit];
  }
  return best;
}
