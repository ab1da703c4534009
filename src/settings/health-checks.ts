// health-check-url, -status and -threshold: the HTTP checks every batch passes besides the target
// groups' own health checks.
import { parseWholeNumber } from '../parse/quantity.js';
import { parseStatusRanges, type StatusRange } from '../parse/status.js';
import { parseHttpUrlList } from '../parse/urls.js';
import type { Inputs } from './context.js';
import { INPUT } from './inputs.js';

export interface HealthCheckInputs {
  healthCheckUrls: string[];
  healthCheckStatus: StatusRange[];
  healthCheckThreshold: number;
}

export function readHealthChecks({ raw, given, complain, take }: Inputs): HealthCheckInputs {
  const healthCheckUrls = given(INPUT.healthCheckUrl)
    ? take(INPUT.healthCheckUrl, parseHttpUrlList(raw(INPUT.healthCheckUrl)), [] as string[])
    : [];
  const healthCheckStatus = take(
    INPUT.healthCheckStatus,
    parseStatusRanges(raw(INPUT.healthCheckStatus)),
    [],
  );
  const healthCheckThreshold = take(
    INPUT.healthCheckThreshold,
    parseWholeNumber(raw(INPUT.healthCheckThreshold), 1, 100),
    3,
  );
  // The target groups' own checks have their matcher in AWS; these two shape only the URL checks,
  // so setting them without a URL would silently do nothing.
  if (!given(INPUT.healthCheckUrl)) {
    for (const name of [INPUT.healthCheckStatus, INPUT.healthCheckThreshold] as const) {
      if (given(name)) {
        complain(
          name,
          'is only used with health-check-url; set health-check-url (e.g. https://example.com/health) or remove it',
        );
      }
    }
  }
  return { healthCheckUrls, healthCheckStatus, healthCheckThreshold };
}
