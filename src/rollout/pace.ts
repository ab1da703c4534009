// How long to wait before the next observation. Pure policy.
//
// - Every change is to be noticed within a second: a snapshot starts every `fastMs` (800 ms,
//   counted from the start of the last one, so a slow snapshot does not stretch the latency).
// - Right after a batch is released the action must hold the service again as soon as ECS has
//   launched the batch, before the new tasks turn healthy: then it looks every `urgentMs`.
// - A change the action can predict (a drain ends when the target group's deregistration delay
//   has passed, a bake time when it is over) wakes it then, if that comes before the next look.
// - One rollout never spends more than half of the account's sustained API budget on its
//   snapshots (the rest belongs to every other tool in the account): a large fleet's snapshot
//   costs many ListTasks/DescribeTasks pages, so its interval stretches accordingly.

export interface PacePolicy {
  fastMs: number;
  urgentMs: number;
  /** A line at least this often while waiting (the log promises one every 30 s at most). */
  heartbeatMs: number;
}

export const DEFAULT_PACE: PacePolicy = { fastMs: 800, urgentMs: 200, heartbeatMs: 20_000 };

/** API calls one snapshot costs, by AWS throttling bucket. */
export interface SnapshotCalls {
  describeServices: number;
  listTasks: number;
  describeTasks: number;
  /** ELBv2 Describe* (DescribeTargetHealth). */
  elbDescribe: number;
}

/**
 * Calls per second the action allows itself, per bucket: half of AWS's sustained rates ("Request
 * throttling for the Amazon ECS API": DescribeServices, ListTasks, DescribeTasks about 20/s;
 * ELBv2 Describe* 10/s, "Quotas for your Application Load Balancers").
 */
const HALF_API_BUDGET: SnapshotCalls = {
  describeServices: 10,
  listTasks: 10,
  describeTasks: 10,
  elbDescribe: 5,
};

/** The shortest interval that keeps every bucket within the budget. */
export function budgetIntervalMs(calls: SnapshotCalls, budget: SnapshotCalls = HALF_API_BUDGET): number {
  const seconds = Math.max(
    calls.describeServices / budget.describeServices,
    calls.listTasks / budget.listTasks,
    calls.describeTasks / budget.describeTasks,
    calls.elbDescribe / budget.elbDescribe,
  );
  return Math.ceil(seconds * 1000);
}

/** What a snapshot of `live` tasks (and `stopping` ones being watched) in `groups` target groups costs. */
export function snapshotCalls(live: number, stopping: number, groups: number): SnapshotCalls {
  return {
    describeServices: 1,
    listTasks: Math.max(1, Math.ceil(live / 100)),
    describeTasks: Math.ceil((live + stopping) / 100),
    elbDescribe: groups,
  };
}

export interface PaceInput {
  now: number;
  /** When the last snapshot started. */
  observedFrom: number;
  urgent?: boolean;
  /** A predicted change (drain end, bake end), absolute. */
  wakeAt?: number;
  calls?: SnapshotCalls;
}

/** The delay before the next snapshot starts. */
export function nextPollDelay(input: PaceInput, policy: PacePolicy = DEFAULT_PACE): number {
  const floor = input.calls ? budgetIntervalMs(input.calls) : 0;
  const wanted = Math.max(input.urgent ? policy.urgentMs : policy.fastMs, floor);
  let at = input.observedFrom + wanted;
  // A predicted change wakes a budget-stretched loop early (one early look does not break the
  // budget on average), but never sooner than the fast pace.
  if (input.wakeAt !== undefined && input.wakeAt > input.now && input.wakeAt < at)
    at = Math.max(input.wakeAt, input.observedFrom + policy.fastMs);
  return Math.max(0, at - input.now);
}
