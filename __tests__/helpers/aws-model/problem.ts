// What the validator reports: data, so tests assert on it and print it.

export interface Problem {
  service: 'ecs' | 'elbv2' | 'cloudwatch';
  operation: string;
  /** Which body: the request, a successful response, an error response, or the record itself. */
  part: 'request' | 'response' | 'error' | 'record';
  /** Where in the body, JSON-path-like: `$.services[0].deployments[1].rolloutState`. */
  path: string;
  message: string;
  /** Where the call came from when known, e.g. `deploy-1.jsonl:42`. */
  source?: string;
}

/** Collects problems for one body of one call. */
export type Report = (path: string, message: string) => void;

export function formatProblem(p: Problem): string {
  const where = p.source === undefined ? '' : ` [${p.source}]`;
  return `${p.service} ${p.operation} ${p.part} ${p.path}: ${p.message}${where}`;
}

export function formatProblems(problems: readonly Problem[], limit = 200): string {
  const lines = problems.slice(0, limit).map(formatProblem);
  if (problems.length > limit) lines.push(`... and ${problems.length - limit} more`);
  return lines.join('\n');
}

/** A report that appends to `problems` with the call's identity filled in. */
export function reporter(problems: Problem[], identity: Omit<Problem, 'path' | 'message'>): Report {
  return (path, message) => problems.push({ ...identity, path, message });
}
