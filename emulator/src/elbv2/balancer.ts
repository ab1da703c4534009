// Picks the target of each new request for one listener: a target group by the forward action's
// weights, then that group's routable targets (routing.ts) in turn. ALB's default algorithm is
// round robin (attribute load_balancing.algorithm.type); the emulator uses it for every group.
import type { TargetRef } from '../contracts.js';
import { routableTargets, routingThresholds } from './routing.js';
import type { Elbv2Store, ForwardTarget } from './store.js';
import type { Targets } from './targets.js';

export function createBalancer(
  forward: ForwardTarget[],
  deps: { store: Elbv2Store; targets: Targets },
): () => (TargetRef & { targetGroupArn: string }) | undefined {
  const turns = new Map<string, number>();
  // Smooth weighted round robin over the groups (the nginx algorithm): each pick adds every weight
  // to its group's credit, takes the richest, and charges it the total; a weight of 0 gets nothing.
  const credit = new Map<string, number>();

  const pickGroup = (): string | undefined => {
    const live = forward.filter((f) => f.weight > 0);
    if (live.length <= 1) return live[0]?.targetGroupArn;
    const total = live.reduce((sum, f) => sum + f.weight, 0);
    let best: ForwardTarget | undefined;
    for (const f of live) {
      const c = (credit.get(f.targetGroupArn) ?? 0) + f.weight;
      credit.set(f.targetGroupArn, c);
      if (!best || c > (credit.get(best.targetGroupArn) ?? 0)) best = f;
    }
    if (!best) return undefined;
    credit.set(best.targetGroupArn, (credit.get(best.targetGroupArn) ?? 0) - total);
    return best.targetGroupArn;
  };

  return () => {
    const arn = pickGroup();
    if (arn === undefined) return undefined;
    const group = deps.store.targetGroups.get(arn);
    if (!group) return undefined;
    const candidates = deps.targets
      .list(arn)
      .filter((entry) => entry.drainingUntil === undefined)
      .map((entry) => ({ ref: entry.ref, state: entry.record.view.state }));
    const routable = routableTargets(candidates, routingThresholds(group.attributes));
    if (routable.length === 0) return undefined;
    const turn = turns.get(arn) ?? 0;
    turns.set(arn, turn + 1);
    const chosen = routable[turn % routable.length];
    return chosen ? { ...chosen, targetGroupArn: arn } : undefined;
  };
}
