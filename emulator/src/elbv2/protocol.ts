// ELBv2's side of the shared endpoint: the AWS Query protocol (form body with `Action=` and
// `Version=2015-12-01`) in, XML out. The server owns throttling, faults and the call log.
import { AwsError } from '../contracts.js';
import type { ServiceProtocol } from '../contracts.js';
import type { Handler } from './api.js';
import { decodeQuery } from './query.js';
import type { QueryTree, QueryValue } from './query.js';
import { xmlAnswer, xmlError } from './xml.js';
import type { XmlObject } from './xml.js';

/** Parameters worth a line in the call log, as `Name` -> text. */
const KEY_PARAMS = ['Name', 'LoadBalancerArn', 'TargetGroupArn', 'ListenerArn', 'Port'] as const;

export function createQueryProtocol(handlers: Record<string, Handler>): ServiceProtocol {
  return {
    service: 'elbv2',

    operationOf(headers, body) {
      // JSON protocols name their operation in X-Amz-Target; a Query request never carries one.
      if (headers['x-amz-target'] !== undefined) return undefined;
      const action = new URLSearchParams(body).get('Action');
      return action !== null && Object.hasOwn(handlers, action) ? action : undefined;
    },

    parse(_operation, body) {
      const tree = decodeQuery(body);
      const version = tree['Version'];
      if (version !== undefined && version !== '2015-12-01') {
        throw new AwsError(
          'InvalidAction',
          `Could not find operation ${String(tree['Action'])} for version ${String(version)}`,
        );
      }
      return tree;
    },

    keyParams(_operation, input) {
      const tree = input as QueryTree;
      const params: Record<string, string> = {};
      for (const name of KEY_PARAMS) {
        const value = tree[name];
        if (typeof value === 'string') params[name] = value;
      }
      for (const list of ['Names', 'TargetGroupArns', 'LoadBalancerArns', 'ListenerArns'] as const) {
        const value = tree[list];
        if (Array.isArray(value))
          params[list] = value.filter((v): v is string => typeof v === 'string').join(',');
      }
      const targets = tree['Targets'];
      if (Array.isArray(targets)) params['Targets'] = targets.map(targetText).join(',');
      return params;
    },

    async invoke(operation, input, ctx) {
      const handler = handlers[operation];
      if (!handler)
        throw new AwsError('InvalidAction', `Could not find operation ${operation} for version 2015-12-01`);
      return handler(input as QueryTree, ctx);
    },

    serialize(operation, output, ctx) {
      return xmlAnswer(operation, output as XmlObject, ctx.requestId);
    },

    serializeError(error, ctx) {
      return xmlError(error, ctx.requestId);
    },
  };
}

function targetText(value: QueryValue): string {
  if (typeof value !== 'object' || Array.isArray(value)) return '?';
  const id = typeof value['Id'] === 'string' ? value['Id'] : '?';
  return typeof value['Port'] === 'string' ? `${id}:${value['Port']}` : id;
}
