// check-name, environment and environment-url: how the step reports to GitHub (after `report`).
import { parseHttpUrl } from '../parse/urls.js';
import type { Inputs } from './context.js';
import { INPUT } from './inputs.js';
import { serviceName } from './services.js';

export interface ReportingInputs {
  checkName: string;
  environment?: string;
  environmentUrl?: string;
}

export function readReporting(
  { raw, given, complain, take }: Inputs,
  report: 'check' | 'status' | 'none',
  cluster: string,
  service: string,
  services: readonly string[],
): ReportingInputs {
  const checkName = given(INPUT.checkName)
    ? raw(INPUT.checkName)
    : `ECS deploy ${cluster}/${services.length > 1 ? services.map(serviceName).join(', ') : service}`;
  if (given(INPUT.checkName) && report === 'none') {
    complain(INPUT.checkName, 'is not used with report: none; remove it, or set report: check');
  }

  const environment = given(INPUT.environment) ? raw(INPUT.environment) : undefined;
  let environmentUrl: string | undefined;
  if (given(INPUT.environmentUrl)) {
    environmentUrl = take(INPUT.environmentUrl, parseHttpUrl(raw(INPUT.environmentUrl)), undefined);
    if (environment === undefined) {
      complain(
        INPUT.environmentUrl,
        'is only used with environment; set environment (e.g. production) or remove environment-url',
      );
    }
  }
  return {
    checkName,
    ...(environment !== undefined ? { environment } : {}),
    ...(environmentUrl !== undefined ? { environmentUrl } : {}),
  };
}
