// The AWS Query protocol's request side: a form-encoded body (`Action=...&Version=2015-12-01&...`)
// whose keys are dotted paths. Lists are written `Names.member.1`, structures in lists
// `Targets.member.1.Id`, nested structures `Matcher.HttpCode` (AWS "Query API requests", and the
// SDK's QueryShapeSerializer). This module turns the body into a tree and reads typed values out
// of it, answering ValidationError the way ELBv2 does for malformed parameters.
import { AwsError } from '../contracts.js';

export type QueryValue = string | QueryValue[] | QueryTree;
export interface QueryTree {
  [key: string]: QueryValue;
}

/** Decode a form body into a tree: `member.N` levels become arrays (1-based, in index order). */
export function decodeQuery(body: string): QueryTree {
  const root: QueryTree = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.');
    if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      throw new AwsError('ValidationError', `Malformed query parameter name '${key}'`);
    }
    setPath(root, parts, value);
  }
  return membersToArrays(root) as QueryTree;
}

function setPath(node: QueryTree, parts: string[], value: string): void {
  let current = node;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = current[part];
    if (next === undefined || typeof next === 'string' || Array.isArray(next)) {
      const created: QueryTree = {};
      current[part] = created;
      current = created;
    } else {
      current = next;
    }
  }
  current[parts[parts.length - 1] as string] = value;
}

/** `{ member: { '1': a, '2': b } }` -> `[a, b]`, ordered by index, recursively. */
function membersToArrays(value: QueryValue): QueryValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const member = value['member'];
  if (keys.length === 1 && member !== undefined && typeof member === 'object' && !Array.isArray(member)) {
    const indices = Object.keys(member)
      .map((k) => ({ k, n: Number(k) }))
      .filter(({ n }) => Number.isInteger(n) && n >= 1)
      .sort((a, b) => a.n - b.n);
    return indices.map(({ k }) => membersToArrays(member[k] as QueryValue));
  }
  const out: QueryTree = {};
  for (const key of keys) out[key] = membersToArrays(value[key] as QueryValue);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Typed readers. ELBv2 validates parameters before it looks anything up and answers
// `ValidationError` with the parameter's camelCase name, e.g.
// "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: ...".

function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function invalid(name: string, value: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${camel(name)}' failed to satisfy constraint: ${constraint}`,
  );
}

export function optString(tree: QueryTree, name: string): string | undefined {
  const value = tree[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, '[object]', 'Member must be a string');
  return value;
}

export function reqString(tree: QueryTree, name: string): string {
  const value = optString(tree, name);
  if (value === undefined || value === '') {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value null at '${camel(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optInt(tree: QueryTree, name: string, min: number, max: number): number | undefined {
  const raw = optString(tree, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) throw invalid(name, raw, 'Member must be an integer');
  if (n < min) throw invalid(name, raw, `Member must have value greater than or equal to ${min}`);
  if (n > max) throw invalid(name, raw, `Member must have value less than or equal to ${max}`);
  return n;
}

export function optBool(tree: QueryTree, name: string): boolean | undefined {
  const raw = optString(tree, name);
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw invalid(name, raw, 'Member must be a boolean');
  return raw === 'true';
}

export function optEnum<T extends string>(
  tree: QueryTree,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = optString(tree, name);
  if (raw === undefined) return undefined;
  const match = allowed.find((a) => a === raw);
  if (match === undefined)
    throw invalid(name, raw, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  return match;
}

/** A list of strings (`Names.member.N`); an empty list when absent. */
export function stringList(tree: QueryTree, name: string): string[] {
  const value = tree[name];
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalid(name, '[object]', 'Member must be a list of strings');
  }
  return value as string[];
}

/** A list of structures (`Targets.member.N.Id`); an empty list when absent. */
export function structList(tree: QueryTree, name: string): QueryTree[] {
  const value = tree[name];
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || Array.isArray(v))) {
    throw invalid(name, '[string]', 'Member must be a list of structures');
  }
  return value as QueryTree[];
}

export function optStruct(tree: QueryTree, name: string): QueryTree | undefined {
  const value = tree[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid(name, '[string]', 'Member must be a structure');
  return value;
}
