// The ECS operations this emulator answers, one handler each, gathered by resource.
import { AwsError } from '../contracts.js';
import type { RequestContext } from '../contracts.js';
import type { ApiContext, Handler } from './api-context.js';
import { clusterHandlers } from './api-clusters.js';
import { definitionHandlers } from './api-definitions.js';
import { deploymentHandlers } from './api-deployments.js';
import { instanceHandlers } from './api-instances.js';
import { serviceHandlers } from './api-services.js';
import { taskHandlers } from './api-tasks.js';
import type { Input } from './input.js';

export interface EcsApi {
  has(operation: string): boolean;
  operations(): string[];
  invoke(operation: string, input: Input, ctx: RequestContext): Promise<unknown>;
}

export function createEcsApi(context: ApiContext): EcsApi {
  const handlers = new Map<string, Handler>(
    Object.entries({
      ...clusterHandlers(context),
      ...definitionHandlers(context),
      ...serviceHandlers(context),
      ...deploymentHandlers(context),
      ...taskHandlers(context),
      ...instanceHandlers(context),
    }),
  );
  return {
    has: (operation) => handlers.has(operation),
    operations: () => [...handlers.keys()],
    async invoke(operation, input, ctx) {
      const handler = handlers.get(operation);
      if (!handler) throw new AwsError('UnknownOperationException', `Unknown operation ${operation}`);
      return handler(input, ctx);
    },
  };
}
