// How an emulated app behaves is chosen by its task definition, so a scenario needs nothing but a
// task definition file. Convention (documented in emulator/README.md): the container environment
// variable EMULATOR_BEHAVIOR, else the image tag, holds comma-separated words:
//   healthy | unhealthy | crash | slow-start-<s> | unhealthy-after-<s> | error-rate-<fraction>
// e.g. image `web:unhealthy-after-20` or EMULATOR_BEHAVIOR=slow-start-15,error-rate-0.1.
// Any other tag (`web:2`, `web:latest`) means healthy. Seconds are AWS seconds (scaled by the clock).
import type { AppBehavior } from '../contracts.js';

export function behaviorOf(image: string, environment: Record<string, string>): AppBehavior {
  const behavior: AppBehavior = { unhealthy: false, crashOnStart: false, slowStartSeconds: 0, errorRate: 0 };
  const spec = environment['EMULATOR_BEHAVIOR'] ?? tagOf(image);
  for (const word of spec.split(',').map((w) => w.trim().toLowerCase())) {
    let m: RegExpMatchArray | null;
    if (word === 'unhealthy') behavior.unhealthy = true;
    else if (word === 'crash') behavior.crashOnStart = true;
    else if ((m = /^slow-start-(\d+(?:\.\d+)?)$/.exec(word))) behavior.slowStartSeconds = Number(m[1]);
    else if ((m = /^unhealthy-after-(\d+(?:\.\d+)?)$/.exec(word)))
      behavior.unhealthyAfterSeconds = Number(m[1]);
    else if ((m = /^error-rate-(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(word))) behavior.errorRate = Number(m[1]);
  }
  return behavior;
}

function tagOf(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  const nameAndTag = image.slice(lastSlash + 1).split('@')[0] ?? '';
  const colon = nameAndTag.indexOf(':');
  return colon < 0 ? '' : nameAndTag.slice(colon + 1);
}
