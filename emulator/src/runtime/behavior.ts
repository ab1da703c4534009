// How an emulated app behaves is chosen by its task definition, so a scenario needs nothing but a
// task definition file. Convention (documented in emulator/README.md): the container environment
// variable EMULATOR_BEHAVIOR, else the image tag, holds comma-separated words:
//   healthy | unhealthy | crash | slow-start-<s> | unhealthy-after-<s> | error-rate-<fraction> | slow-<s>
// e.g. image `web:unhealthy-after-20` or EMULATOR_BEHAVIOR=slow-start-15,error-rate-0.1.
// Any other tag (`web:2`, `web:latest`) means healthy. Seconds are AWS seconds (scaled by the clock).
import type { AppBehavior, ContainerJob } from '../contracts.js';

/** How long a one-off command runs when it does not say (AWS seconds). */
export const DEFAULT_JOB_SECONDS = 2;

/**
 * A container runs a one-off command (a migration) rather than serving when RunTask overrides its
 * command, or when its definition's own command names `--exit`. Such a container never listens:
 * it runs `--sleep <s>` AWS seconds (default 2), then exits with `--exit <code>` (default 0).
 * E.g. RunTask with command ["migrate", "--exit", "1"] -> the container exits 1 after 2 s, and ECS
 * stops the task ("Essential container in task exited"). Anything else in the command is ignored.
 */
export function jobOf(command: readonly string[] | undefined, overridden: boolean): ContainerJob | undefined {
  if (!command || command.length === 0) return undefined;
  const at = (flag: string): number | undefined => {
    const i = command.indexOf(flag);
    if (i === -1) return undefined;
    const value = Number(command[i + 1]);
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  if (!overridden && !command.includes('--exit')) return undefined;
  const exitCode = Math.min(255, Math.trunc(at('--exit') ?? 0));
  return { exitCode, runSeconds: at('--sleep') ?? DEFAULT_JOB_SECONDS };
}

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
    // Healthy to the load balancer's checks but slow for users: what only a latency alarm sees.
    else if ((m = /^slow-(\d+(?:\.\d+)?)$/.exec(word))) behavior.latencySeconds = Number(m[1]);
  }
  return behavior;
}

function tagOf(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  const nameAndTag = image.slice(lastSlash + 1).split('@')[0] ?? '';
  const colon = nameAndTag.indexOf(':');
  return colon < 0 ? '' : nameAndTag.slice(colon + 1);
}
