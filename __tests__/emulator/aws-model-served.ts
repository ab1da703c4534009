// Which operations of AWS's models an emulator serves, asked of the endpoint itself, so a test can
// check that its traffic covers every one (an operation added later shows up here on its own). Each
// probe is a request the protocol layer rejects before any handler runs: an ECS body that is a JSON
// array (SerializationException) and an ELBv2 form with a malformed key (ValidationError). An
// operation nobody serves answers UnknownOperationException / InvalidAction instead. The probes are
// logged like any call: clear the call log after.
import type { AwsModels } from '../helpers/aws-model/index.js';

export async function servedOperations(
  endpoint: string,
  models: AwsModels,
): Promise<{ ecs: string[]; elbv2: string[] }> {
  const ask = async (headers: Record<string, string>, body: string): Promise<string> => {
    const answer = await fetch(endpoint, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return answer.text();
  };
  const ecs: string[] = [];
  for (const operation of Object.keys(models.ecs.operations)) {
    const text = await ask(
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${models.ecs.metadata.targetPrefix ?? ''}.${operation}`,
      },
      '[]',
    );
    if (!text.includes('UnknownOperationException')) ecs.push(operation);
  }
  const elbv2: string[] = [];
  for (const operation of Object.keys(models.elbv2.operations)) {
    const text = await ask(
      { 'content-type': 'application/x-www-form-urlencoded' },
      `Action=${operation}&Version=${models.elbv2.metadata.apiVersion}&.=probe`,
    );
    if (!text.includes('<Code>InvalidAction</Code>')) elbv2.push(operation);
  }
  return { ecs, elbv2 };
}
