// The AWS-model validator itself (__tests__/helpers/aws-model): it must catch a wrong member, a
// missing required member, a bad enum value and a wrong type in every encoding (JSON 1.1 bodies,
// Query forms, Query XML answers and errors), or aws-model.test.ts could pass vacuously. First on
// small hand-written models (no botocore needed), then on botocore's real ECS and ELBv2 models.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallRecord } from '../../emulator/src/contracts.js';
import {
  loadAwsModels,
  readCallRecords,
  validateCallRecords,
  writeCallRecords,
} from '../helpers/aws-model/index.js';
import type { AwsModels, Problem, ServiceModel } from '../helpers/aws-model/index.js';

/** The same small API in both protocols: one operation, one error, the shapes a rule needs. */
function miniModel(protocol: 'json' | 'query'): ServiceModel {
  return {
    metadata: {
      protocol,
      apiVersion: '2020-01-01',
      serviceId: `Mini ${protocol}`,
      targetPrefix: 'Mini',
      xmlNamespace: 'urn:mini',
    },
    operations: {
      PutThing: {
        name: 'PutThing',
        input: { shape: 'PutThingInput' },
        output: { shape: 'PutThingOutput', resultWrapper: 'PutThingResult' },
        errors: [{ shape: 'ThingNotFound' }, { shape: 'Broken' }],
      },
    },
    shapes: {
      PutThingInput: {
        type: 'structure',
        required: ['Name'],
        members: {
          Name: { shape: 'Name' },
          Count: { shape: 'Count' },
          Mode: { shape: 'Mode' },
          Tags: { shape: 'Tags' },
        },
      },
      PutThingOutput: {
        type: 'structure',
        members: { Thing: { shape: 'Thing' }, Things: { shape: 'Things' } },
      },
      Thing: {
        type: 'structure',
        required: ['Name'],
        members: {
          Name: { shape: 'Name' },
          Mode: { shape: 'Mode' },
          Count: { shape: 'Count' },
          Ready: { shape: 'Ready' },
          Created: { shape: 'Created' },
        },
      },
      Things: { type: 'list', member: { shape: 'Thing' } },
      Tags: { type: 'list', member: { shape: 'Tag' } },
      Tag: {
        type: 'structure',
        required: ['Key'],
        members: { Key: { shape: 'Name' }, Value: { shape: 'Name' } },
      },
      Name: { type: 'string', min: 1, max: 32 },
      Count: { type: 'integer', min: 1, max: 10 },
      Mode: { type: 'string', enum: ['fast', 'slow'] },
      Ready: { type: 'boolean' },
      Created: { type: 'timestamp' },
      ThingNotFound: {
        type: 'structure',
        members: { message: { shape: 'Name' } },
        exception: true,
        error: { code: 'ThingNotFound', httpStatusCode: 404, senderFault: true },
      },
      Broken: {
        type: 'structure',
        members: {},
        exception: true,
        error: { code: 'Broken', httpStatusCode: 503 },
      },
      OtherError: {
        type: 'structure',
        members: {},
        exception: true,
        error: { code: 'Other', httpStatusCode: 400 },
      },
    },
  };
}

/** Both mini models in the place validateCallRecords reads them from. */
function models(protocol: 'json' | 'query'): AwsModels {
  const model = miniModel(protocol);
  return { ecs: model, elbv2: model, cloudwatch: model, dataDir: '(test)', botocoreVersion: '(test)' };
}

function record(
  service: 'ecs' | 'elbv2',
  operation: string,
  status: number,
  request: string,
  response?: string,
): CallRecord {
  return {
    time: 0,
    service,
    operation,
    params: {},
    status,
    mutating: false,
    wire: response === undefined ? { request } : { request, response },
  };
}

const at = (problems: Problem[]): string[] => problems.map((p) => `${p.part} ${p.path}`);

describe('validator on JSON 1.1 (mini model)', () => {
  const check = (status: number, request: unknown, response?: unknown): Problem[] =>
    validateCallRecords(
      [
        record(
          'ecs',
          'PutThing',
          status,
          JSON.stringify(request),
          response === undefined ? undefined : JSON.stringify(response),
        ),
      ],
      undefined,
      models('json'),
    );

  it('passes a request and an answer that follow the model', () => {
    const thing = { Name: 'a', Mode: 'fast', Count: 3, Ready: true, Created: 1767225600.5 };
    expect(
      check(200, { Name: 'a', Tags: [{ Key: 'k', Value: 'v' }] }, { Thing: thing, Things: [thing] }),
    ).toEqual([]);
  });

  it('catches a wrong member, a missing required member, a bad enum value and a wrong type', () => {
    const problems = check(200, {
      Nme: 'a',
      Mode: 'quick',
      Count: '3',
      Tags: [{ Key: 'k' }, { Value: 'v' }],
    });
    expect(at(problems).sort()).toEqual(
      [
        'request $.Nme',
        'request $.Name',
        'request $.Mode',
        'request $.Count',
        'request $.Tags[1].Key',
      ].sort(),
    );
    expect(problems.find((p) => p.path === '$.Nme')?.message).toMatch(/unknown member 'Nme'/);
    expect(problems.find((p) => p.path === '$.Name')?.message).toMatch(/required member 'Name'/);
    expect(problems.find((p) => p.path === '$.Mode')?.message).toMatch(
      /'quick' is not one of the enum values/,
    );
    expect(problems.find((p) => p.path === '$.Count')?.message).toMatch(/expected an integer/);
  });

  it('catches answers: nulls, ISO timestamps where JSON wants epoch seconds, numbers out of range', () => {
    const problems = check(
      200,
      { Name: 'a' },
      { Thing: { Name: null, Created: '2026-01-01T00:00:00Z', Count: 11 } },
    );
    expect(at(problems).sort()).toEqual([
      'response $.Thing.Count',
      'response $.Thing.Created',
      'response $.Thing.Name',
    ]);
  });

  it("checks an error against its exception shape, the operation's errors and its status", () => {
    expect(check(404, { Name: 'a' }, { __type: 'ThingNotFound', message: 'no' })).toEqual([]);
    expect(check(404, { Name: 'a' }, { __type: 'com.amazonaws.mini#ThingNotFound', message: 'no' })).toEqual(
      [],
    );
    expect(at(check(400, { Name: 'a' }, { __type: 'ThingNotFound', message: 'no', extra: 1 }))).toEqual([
      'error $',
      'error $.extra',
    ]);
    expect(check(400, { Name: 'a' }, { __type: 'Other', message: 'no' })[0]?.message).toMatch(
      /does not declare/,
    );
    expect(check(400, { Name: 'a' }, { __type: 'Made.Up' })[0]?.message).toMatch(
      /neither an error of the model/,
    );
    expect(check(400, { Name: 'a' }, { __type: 'ThrottlingException', message: 'Rate exceeded' })).toEqual(
      [],
    );
  });
});

describe('validator on the Query protocol (mini model)', () => {
  const ok =
    '<PutThingResponse xmlns="urn:mini"><PutThingResult><Thing><Name>a</Name><Mode>fast</Mode><Count>3</Count>' +
    '<Ready>true</Ready><Created>2026-01-01T00:00:00.000Z</Created></Thing><Things><member><Name>b</Name></member>' +
    '</Things></PutThingResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PutThingResponse>';
  const check = (status: number, form: string, xml?: string): Problem[] =>
    validateCallRecords([record('elbv2', 'PutThing', status, form, xml)], undefined, models('query'));
  const form = (rest: string): string => `Action=PutThing&Version=2020-01-01&${rest}`;

  it('passes a form and an answer that follow the model (indentation between elements is layout)', () => {
    expect(check(200, form('Name=a&Tags.member.1.Key=k&Tags.member.2.Key=j&Mode=slow'), ok)).toEqual([]);
    expect(check(200, form('Name=a&Tags='), ok.replace(/></g, '>\n  <'))).toEqual([]);
  });

  it('catches a wrong member, a missing required member, a bad enum value and a wrong type in a form', () => {
    const problems = check(
      200,
      form('Nme=a&Mode=quick&Count=three&Tags.member.1.Value=v&Tags.member.3.Key=k'),
    );
    expect(at(problems).sort()).toEqual(
      [
        'request $.Count',
        'request $.Mode',
        'request $.Name',
        'request $.Nme',
        'request $.Tags',
        'request $.Tags[0].Key',
      ].sort(),
    );
    expect(problems.find((p) => p.path === '$.Tags')?.message).toBe('list indices skip 2');
  });

  it('checks the envelope: Action, Version, document element, namespace, RequestId', () => {
    expect(at(check(200, 'Action=PutThing&Name=a', ok))).toEqual(['request $.Version']);
    expect(at(check(200, form('Name=a'), ok.replace('xmlns="urn:mini"', '')))).toEqual(['response $']);
    expect(at(check(200, form('Name=a'), ok.replace('<RequestId>r-1</RequestId>', '')))).toEqual([
      'response $.ResponseMetadata.RequestId',
    ]);
    expect(check(200, form('Name=a'), '<PutThingResponse><oops></PutThingResponse>')[0]?.message).toMatch(
      /not well-formed/,
    );
  });

  it('catches a wrong member, a missing required member, a bad enum value and a wrong type in XML', () => {
    const bad = ok
      .replace('<Mode>fast</Mode>', '<Mode>quick</Mode><Colour>red</Colour>')
      .replace('<Count>3</Count>', '<Count>3.5</Count>')
      .replace('<member><Name>b</Name></member>', '<member><Mode>slow</Mode></member><item/>');
    expect(at(check(200, form('Name=a'), bad)).sort()).toEqual(
      [
        'response $.Thing.Colour',
        'response $.Thing.Count',
        'response $.Thing.Mode',
        'response $.Things',
      ].sort(),
    );
    const listOk = ok.replace('<member><Name>b</Name></member>', '<member><Mode>slow</Mode></member>');
    expect(at(check(200, form('Name=a'), listOk))).toEqual(['response $.Things[0].Name']);
  });

  it('checks an error: code declared, Type, HTTP status', () => {
    const error = (code: string, type = 'Sender'): string =>
      `<ErrorResponse xmlns="urn:mini"><Error><Type>${type}</Type><Code>${code}</Code><Message>m</Message></Error>` +
      '<RequestId>r-2</RequestId></ErrorResponse>';
    expect(check(404, form('Name=a'), error('ThingNotFound'))).toEqual([]);
    expect(check(400, form('Name=a'), error('Throttling'))).toEqual([]);
    expect(check(503, form('Name=a'), error('Broken', 'Receiver'))).toEqual([]);
    expect(at(check(503, form('Name=a'), error('Broken')))).toEqual(['error $.Error.Type']);
    expect(at(check(400, form('Name=a'), error('ThingNotFound', 'Receiver')))).toEqual([
      'error $',
      'error $.Error.Type',
    ]);
    expect(check(400, form('Name=a'), error('Other'))[0]?.message).toMatch(
      /does not declare the error Other/,
    );
  });

  it('reports a record without wire capture instead of passing it', () => {
    const bare: CallRecord = {
      time: 0,
      service: 'elbv2',
      operation: 'PutThing',
      params: {},
      status: 200,
      mutating: false,
    };
    expect(validateCallRecords([bare], undefined, models('query'))).toMatchObject([
      { part: 'record', message: 'no wire capture: start the emulator with recordWire: true' },
    ]);
  });
});

const loaded = loadAwsModels();
if ('missing' in loaded) console.warn(`aws-model-validator.test: real-model part SKIPPED: ${loaded.missing}`);

('models' in loaded ? describe : describe.skip)("validator on botocore's ECS and ELBv2 models", () => {
  const real = 'models' in loaded ? loaded.models : undefined;

  it('catches a bad rolloutState, a bad stopCode and an unknown member in ECS answers', () => {
    const services = {
      services: [
        { serviceName: 'web', deployments: [{ id: 'ecs-svc/1', rolloutState: 'DONE' }], colour: 'red' },
      ],
      failures: [],
    };
    const tasks = { tasks: [{ taskArn: 'arn', stopCode: 'Whatever', lastStatus: 'STOPPED' }], failures: [] };
    const problems = validateCallRecords(
      [
        record('ecs', 'DescribeServices', 200, '{"services":["web"]}', JSON.stringify(services)),
        record('ecs', 'DescribeTasks', 200, '{"tasks":["arn"]}', JSON.stringify(tasks)),
      ],
      (i) => `row ${i}`,
      real,
    );
    expect(problems.map((p) => `${p.operation} ${p.path} [${p.source ?? ''}]`)).toEqual([
      'DescribeServices $.services[0].deployments[0].rolloutState [row 0]',
      'DescribeServices $.services[0].colour [row 0]',
      'DescribeTasks $.tasks[0].stopCode [row 1]',
    ]);
  });

  it('catches a missing TargetGroupArn and bad target health states and reasons in ELBv2', () => {
    const xml =
      '<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">' +
      '<DescribeTargetHealthResult><TargetHealthDescriptions><member><Target><Id>10.0.0.1</Id><Port>80</Port>' +
      '</Target><TargetHealth><State>sick</State><Reason>Target.Sick</Reason></TargetHealth></member>' +
      '</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>r</RequestId>' +
      '</ResponseMetadata></DescribeTargetHealthResponse>';
    const problems = validateCallRecords(
      [record('elbv2', 'DescribeTargetHealth', 200, 'Action=DescribeTargetHealth&Version=2015-12-01', xml)],
      undefined,
      real,
    );
    expect(at(problems)).toEqual([
      'request $.TargetGroupArn',
      'response $.TargetHealthDescriptions[0].TargetHealth.State',
      'response $.TargetHealthDescriptions[0].TargetHealth.Reason',
    ]);
  });

  it('round-trips records through JSON lines and labels problems with file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aws-model-records-'));
    try {
      const good = record('ecs', 'ListClusters', 200, '{}', '{"clusterArns":[]}');
      const bad = record('ecs', 'ListClusters', 200, '{"maxResults":"ten"}', '{"clusterArns":[]}');
      writeCallRecords(dir, 'run-a', [good, bad]);
      writeCallRecords(dir, 'run-b', []);
      const files = readCallRecords(dir);
      expect(files.map((f) => [f.file, f.records.length])).toEqual([
        ['run-a.jsonl', 2],
        ['run-b.jsonl', 0],
      ]);
      expect(files[0]?.records).toEqual([good, bad]);
      const problems = files.flatMap((f) =>
        validateCallRecords(f.records, (i) => `${f.file}:${i + 1}`, real),
      );
      expect(problems.map((p) => `${p.path} ${p.source ?? ''}`)).toEqual(['$.maxResults run-a.jsonl:2']);
      expect(readCallRecords(join(dir, 'absent'))).toEqual([]);
      expect(() => writeCallRecords(dir, '../escape', [])).toThrow(/not a plain file name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
