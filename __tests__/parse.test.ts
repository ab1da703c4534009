// The input parsers, one table per parser: every good form, and every class of bad value with the
// problem and the fix the user is told.
import { describe, it, expect } from '@jest/globals';
import { parseBoolean, parseChoice } from '../src/parse/choice.js';
import { formatDuration, parseDuration } from '../src/parse/duration.js';
import { checkImage, parseImageList } from '../src/parse/images.js';
import {
  MAX_TASK_COUNT,
  formatTaskSchedule,
  parseTaskQuantity,
  parseTaskSchedule,
  parseWholeNumber,
} from '../src/parse/quantity.js';
import type { Parsed } from '../src/parse/result.js';
import { parseStatusRanges, statusMatches } from '../src/parse/status.js';
import {
  isTaskDefinitionArn,
  parseRollbackTarget,
  parseTaskDefinitionSource,
} from '../src/parse/task-definition-ref.js';
import { parseHttpUrl, parseHttpUrlList } from '../src/parse/urls.js';

function value<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new Error(`expected a value, got: ${parsed.problem}; ${parsed.fix}`);
  return parsed.value;
}

function failure<T>(parsed: Parsed<T>): { problem: string; fix: string } {
  if (parsed.ok) throw new Error(`expected a problem, got ${JSON.stringify(parsed.value)}`);
  return { problem: parsed.problem, fix: parsed.fix };
}

const H = 3_600_000;
const M = 60_000;
const S = 1_000;

describe('parseDuration', () => {
  it.each([
    ['90s', 90 * S],
    ['10m', 10 * M],
    ['1h', H],
    ['1h30m', H + 30 * M],
    ['2m30s', 2 * M + 30 * S],
    ['1h0m5s', H + 5 * S],
    ['24h', 24 * H],
    ['1s', S],
  ])('%s is %d ms', (text, ms) => {
    expect(value(parseDuration(text))).toBe(ms);
  });

  it.each([
    ['10', /has no unit/],
    ['0', /has no unit/],
    ['', /is not a duration/],
    ['10 m', /is not a duration/],
    ['10min', /is not a duration/],
    ['1.5h', /is not a duration/],
    ['-5m', /is not a duration/],
    ['10M', /is not a duration/],
    ['30s1m', /is not a duration/],
    ['m', /is not a duration/],
    ['2x', /is not a duration/],
    ['0s', /is zero/],
    ['0h0m', /is zero/],
    ['25h', /is longer than 24h/],
    ['1441m', /is longer than 24h/],
  ])('%j is refused (%s) with the units in the fix', (text, problem) => {
    const bad = failure(parseDuration(text));
    expect(bad.problem).toMatch(problem);
    expect(bad.fix).toContain('h, m or s');
    expect(bad.fix).toContain('e.g. 90s, 10m, 1h30m');
  });

  it.each([
    [90 * S, '1m30s'],
    [10 * M, '10m'],
    [H + 30 * M, '1h30m'],
    [0, '0s'],
    [H + 5 * S, '1h5s'],
  ])('formatDuration(%d) is %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    if (ms > 0) expect(value(parseDuration(text))).toBe(ms);
  });
});

describe('parseTaskQuantity', () => {
  it.each([
    ['1', 1, { kind: 'count', value: 1 }],
    ['2', 1, { kind: 'count', value: 2 }],
    ['25%', 1, { kind: 'percent', value: 25 }],
    ['1%', 1, { kind: 'percent', value: 1 }],
    ['100%', 1, { kind: 'percent', value: 100 }],
    [String(MAX_TASK_COUNT), 1, { kind: 'count', value: MAX_TASK_COUNT }],
    ['0', 0, { kind: 'count', value: 0 }],
    ['0%', 0, { kind: 'percent', value: 0 }],
    ['3', 0, { kind: 'count', value: 3 }],
  ] as const)('%j (min %d) is %j', (text, min, expected) => {
    expect(value(parseTaskQuantity(text, min))).toEqual(expected);
  });

  it.each([
    ['0', 1],
    ['0%', 1],
    ['101%', 1],
    ['101%', 0],
    ['2x', 1],
    ['-1', 0],
    ['1.5', 1],
    ['2.5%', 1],
    ['25 %', 1],
    ['%25', 1],
    ['', 1],
    ['two', 1],
    ['0x10', 1],
    ['1e2', 1],
  ] as const)('%j (min %d) is refused, and the fix says what to write', (text, min) => {
    const bad = failure(parseTaskQuantity(text, min));
    expect(bad.problem).toMatch(/task count or percentage|more than/);
    if (min === 1) {
      expect(bad.fix).toBe(
        'write a whole number of tasks ≥ 1 (e.g. 2) or a percentage in 1%-100% (e.g. 25%)',
      );
    } else {
      expect(bad.fix).toContain('≥ 0');
      expect(bad.fix).toContain('0%-100%');
    }
  });

  it('names the quota when a count is above what a service can run', () => {
    const bad = failure(parseTaskQuantity(String(MAX_TASK_COUNT + 1), 1));
    expect(bad.problem).toContain(String(MAX_TASK_COUNT));
    expect(failure(parseTaskQuantity('99999999999999999999999', 1)).problem).toContain(
      String(MAX_TASK_COUNT),
    );
  });
});

describe('parseWholeNumber', () => {
  it.each([
    ['1', 1],
    ['3', 3],
    ['100', 100],
  ])('%j is %d', (text, n) => {
    expect(value(parseWholeNumber(text, 1, 100))).toBe(n);
  });

  it.each([
    ['0', /outside 1-100/],
    ['101', /outside 1-100/],
    ['3.0', /not a whole number/],
    ['-2', /not a whole number/],
    ['three', /not a whole number/],
    ['3x', /not a whole number/],
    ['', /not a whole number/],
  ])('%j is refused: %s', (text, problem) => {
    const bad = failure(parseWholeNumber(text, 1, 100));
    expect(bad.problem).toMatch(problem);
    expect(bad.fix).toBe('write a whole number from 1 to 100 (e.g. 3)');
  });
});

describe('parseStatusRanges', () => {
  it.each([
    ['200-399', [{ min: 200, max: 399 }]],
    ['200', [{ min: 200, max: 200 }]],
    [
      '200,204',
      [
        { min: 200, max: 200 },
        { min: 204, max: 204 },
      ],
    ],
    [
      '200-299,304',
      [
        { min: 200, max: 299 },
        { min: 304, max: 304 },
      ],
    ],
    [
      '200 - 299 , 304',
      [
        { min: 200, max: 299 },
        { min: 304, max: 304 },
      ],
    ],
    ['100-599', [{ min: 100, max: 599 }]],
  ])('%j is %j', (text, ranges) => {
    expect(value(parseStatusRanges(text))).toEqual(ranges);
  });

  it.each([
    ['', /is empty/],
    ['ok', /"ok", which is not a status code or range/],
    ['2xx', /"2xx", which is not a status code or range/],
    ['20', /"20", which is not/],
    ['2000', /"2000", which is not/],
    ['200,', /"", which is not/],
    ['200;204', /"200;204", which is not/],
    ['099-200', /outside 100-599/],
    ['200-600', /outside 100-599/],
    ['399-200', /start is above its end/],
    ['200-', /which is not/],
  ])('%j is refused: %s', (text, problem) => {
    const bad = failure(parseStatusRanges(text));
    expect(bad.problem).toMatch(problem);
    expect(bad.fix).toContain('e.g. 200-399, or 200,204');
  });

  it('statusMatches is inclusive at both ends and checks every range', () => {
    const ranges = value(parseStatusRanges('200-299,304'));
    expect([199, 200, 250, 299, 300, 304, 305].map((s) => statusMatches(ranges, s))).toEqual([
      false,
      true,
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(statusMatches([], 200)).toBe(false);
  });
});

describe('parseBoolean and parseChoice', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('%j is %s', (text, expected) => {
    expect(value(parseBoolean(text))).toBe(expected);
  });

  it.each(['yes', 'no', '1', '0', 'on', 'tRUE', '', 'true!'])('%j is not a boolean', (text) => {
    expect(failure(parseBoolean(text))).toEqual({ problem: 'is not a boolean', fix: 'write true or false' });
  });

  it('takes exactly one of the choices, and lists them when it cannot', () => {
    const modes = ['deploy', 'rollback', 'plan'] as const;
    expect(value(parseChoice('plan', modes))).toBe('plan');
    for (const text of ['Deploy', 'deploy ', 'apply', '']) {
      expect(failure(parseChoice(text, modes))).toEqual({
        problem: 'is not one of the choices',
        fix: 'write one of: deploy, rollback, plan',
      });
    }
  });
});

describe('parseImageList and checkImage', () => {
  it('reads one container=image a line, skipping blank lines and # comments', () => {
    const images = value(
      parseImageList(
        [
          '# the app',
          'web = 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2',
          '',
          '  sidecar=public.ecr.aws/envoy:v1.29@sha256:abc  ',
          'log_router=fluent/fluent-bit:3',
        ].join('\r\n'),
      ),
    );
    expect([...images]).toEqual([
      ['web', '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2'],
      ['sidecar', 'public.ecr.aws/envoy:v1.29@sha256:abc'],
      ['log_router', 'fluent/fluent-bit:3'],
    ]);
  });

  it('keeps an = inside the image (only the first = splits)', () => {
    expect([...value(parseImageList('web=repo/web:tag=x'))]).toEqual([['web', 'repo/web:tag=x']]);
  });

  it('an empty list is no substitution', () => {
    expect(value(parseImageList('\n# nothing yet\n')).size).toBe(0);
  });

  it.each([
    ['web', /line 1 "web" has no "="/],
    ['web:2', /has no "="/],
    ['ok=a:1\nweb app=web:2', /line 2 names container "web app", not a valid ECS container name/],
    ['=web:2', /names container ""/],
    ['web=', /line 1 has an empty image/],
    ['web=web :2', /line 1 has image "web :2" with whitespace/],
    [`web=${'a'.repeat(256)}`, /longer than 255 characters/],
    ['web=a:1\n\nweb=a:2', /line 3 names container "web" a second time/],
  ])('%j is refused: %s', (text, problem) => {
    const bad = failure(parseImageList(text));
    expect(bad.problem).toMatch(problem);
    expect(bad.fix).toContain('container=image');
  });

  it('checkImage takes any reference without whitespace up to 255 characters', () => {
    expect(value(checkImage('nginx'))).toBe('nginx');
    expect(value(checkImage('a'.repeat(255)))).toHaveLength(255);
    expect(checkImage('a\tb').ok).toBe(false);
    expect(checkImage('').ok).toBe(false);
  });
});

describe('parseHttpUrl and parseHttpUrlList', () => {
  it('takes absolute http and https URLs, one a line, blank lines skipped', () => {
    expect(
      value(parseHttpUrlList('https://example.com/health\n\n  http://127.0.0.1:8080/ready?x=1  \r\n')),
    ).toEqual(['https://example.com/health', 'http://127.0.0.1:8080/ready?x=1']);
    expect(value(parseHttpUrl('https://example.com'))).toBe('https://example.com');
  });

  it.each([
    ['example.com/health', /"example.com\/health", which is not a URL/],
    ['/health', /which is not a URL/],
    ['ftp://example.com/x', /"ftp:\/\/example.com\/x", which is not http\(s\)/],
    ['file:///etc/passwd', /which is not http\(s\)/],
    ['https://exa mple.com', /which is not a URL/],
  ])('%j is refused: %s', (text, problem) => {
    const bad = failure(parseHttpUrl(text));
    expect(bad.problem).toMatch(problem);
    expect(bad.fix).toContain('http:// or https://');
  });

  it('names the first bad line of a list', () => {
    expect(failure(parseHttpUrlList('https://ok.example\nnot a url')).problem).toContain('"not a url"');
  });

  it('does not repeat credentials from a URL in its message', () => {
    const bad = failure(parseHttpUrl('ftp://user:s3cret@example.com/x'));
    expect(bad.problem).not.toContain('s3cret');
    expect(bad.problem).toContain('ftp://***@example.com/x');
  });
});

const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3';

describe('parseTaskDefinitionSource', () => {
  it.each([
    ['task-definition.json', { kind: 'file', path: 'task-definition.json' }],
    ['./deploy/web.json', { kind: 'file', path: './deploy/web.json' }],
    ['deploy/web', { kind: 'file', path: 'deploy/web' }],
    ['deploy\\web.json', { kind: 'file', path: 'deploy\\web.json' }],
    ['web', { kind: 'registered', ref: 'web' }],
    ['web_app-2', { kind: 'registered', ref: 'web_app-2' }],
    ['web:3', { kind: 'registered', ref: 'web:3' }],
    [ARN, { kind: 'registered', ref: ARN }],
    [
      'arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web:12',
      { kind: 'registered', ref: 'arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web:12' },
    ],
  ])('%j is %j', (text, expected) => {
    expect(value(parseTaskDefinitionSource(text))).toEqual(expected);
  });

  it.each([
    ['web:0', /neither a file path nor a family\[:revision\]/],
    ['web:latest', /neither/],
    ['web app', /neither/],
    ['web:3:4', /neither/],
    ['arn:aws:ecs:us-east-1:123456789012:task-definition/web', /not a task definition ARN/],
    ['arn:aws:ecs:us-east-1:123456789012:service/default/web', /not a task definition ARN/],
    ['arn:aws:ecs:us-east-1:1234:task-definition/web:3', /not a task definition ARN/],
  ])('%j is refused: %s', (text, problem) => {
    const bad = failure(parseTaskDefinitionSource(text));
    expect(bad.problem).toMatch(problem);
    expect(bad.fix).toContain(
      'a JSON file path (e.g. task-definition.json), a family[:revision] (e.g. web:3)',
    );
  });

  it('shows what an ARN looks like when a malformed one is given', () => {
    expect(failure(parseTaskDefinitionSource('arn:aws:ecs:x')).fix).toContain(
      'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
    );
  });

  it('isTaskDefinitionArn wants the revision', () => {
    expect(isTaskDefinitionArn(ARN)).toBe(true);
    expect(isTaskDefinitionArn(ARN.replace(/:3$/, ''))).toBe(false);
  });
});

describe('parseRollbackTarget', () => {
  it.each([
    ['previous', { kind: 'previous' }],
    ['41', { kind: 'revision', revision: 41 }],
    ['1', { kind: 'revision', revision: 1 }],
    [ARN, { kind: 'arn', arn: ARN }],
  ])('%j is %j', (text, expected) => {
    expect(value(parseRollbackTarget(text))).toEqual(expected);
  });

  it.each(['0', '-1', '4.1', 'Previous', 'last', 'web:3', 'arn:aws:ecs:x', ''])('%j is refused', (text) => {
    const bad = failure(parseRollbackTarget(text));
    expect(bad.problem).toBe('is not previous, a revision number or a task definition ARN');
    expect(bad.fix).toContain("write previous, a revision number of the service's family (e.g. 41)");
  });
});

describe('parseTaskSchedule', () => {
  it.each<[string, string]>([
    ['25%', '25%'],
    ['2', '2'],
    ['1, 25%, 50%', '1, 25%, 50%'],
    ['1,50%', '1, 50%'],
    ['  10% ,  100% ', '10%, 100%'],
  ])('%j reads as %j', (text, shown) => {
    const parsed = parseTaskSchedule(text.trim());
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(formatTaskSchedule(parsed.value)).toBe(shown);
  });

  it.each<[string, string]>([
    ['1, x', 'step 2 ("x") is not a task count or percentage'],
    ['1,,2', 'step 2 is empty'],
    [',1', 'step 1 is empty'],
    ['1, 101%', 'step 2 ("101%") is not a task count or percentage'],
    ['1, 6000', 'step 2 ("6000") is more than 5000 tasks'],
    ['0', 'is not a task count or percentage'],
  ])('%j: %s', (text, problem) => {
    const parsed = parseTaskSchedule(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(problem);
  });
});
