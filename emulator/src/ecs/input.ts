// Reading a JSON request body without trusting it: each accessor checks the type AWS's model gives
// the member and answers as ECS does for a bad one (InvalidParameterException / ClientException).
import { AwsError } from '../contracts.js';

export type Input = Record<string, unknown>;

export const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message);
export const client = (message: string): AwsError => new AwsError('ClientException', message);

export function optString(input: Input, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new AwsError('SerializationException', `STRING_VALUE can not be converted to a String (${key})`);
  return value;
}

export function reqString(input: Input, key: string): string {
  const value = optString(input, key);
  if (value === undefined || value === '') throw invalid(`${key} can not be blank.`);
  return value;
}

export function optInt(input: Input, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new AwsError('SerializationException', `NUMBER_VALUE can not be converted to an Integer (${key})`);
  return value;
}

export function optBool(input: Input, key: string): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw new AwsError('SerializationException', `Value of ${key} can not be converted to a Boolean`);
  return value;
}

export function optStringList(input: Input, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new AwsError('SerializationException', `Start of list found where not expected (${key})`);
  }
  return value as string[];
}

export function optObject(input: Input, key: string): Input | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new AwsError(
      'SerializationException',
      `Start of structure or map found where not expected (${key})`,
    );
  return value as Input;
}

export function optObjectList(input: Input, key: string): Input[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
    throw new AwsError('SerializationException', `Start of list found where not expected (${key})`);
  }
  return value as Input[];
}

/** ECS Tag shape: `{key, value}`; keys 1-128 characters, values up to 256 (Tagging your resources page). */
export function tagsOf(input: Input, key = 'tags'): { key: string; value: string }[] | undefined {
  const list = optObjectList(input, key);
  if (list === undefined) return undefined;
  if (list.length > 50) throw invalid('The number of tags for the resource exceeds 50.');
  return list.map((tag) => {
    const k = tag['key'];
    const v = tag['value'] ?? '';
    if (typeof k !== 'string' || k.length === 0 || k.length > 128)
      throw invalid('Tag keys must be between 1 and 128 characters.');
    if (typeof v !== 'string' || v.length > 256) throw invalid('Tag values must be at most 256 characters.');
    return { key: k, value: v };
  });
}

/** Describe* calls return resource tags only when asked with `include: ["TAGS"]`. */
export function wantsTags(input: Input): boolean {
  return (optStringList(input, 'include') ?? []).includes('TAGS');
}

/** Cluster names, service names and task definition families: up to 255 letters, numbers, `-` and `_`. */
export const RESOURCE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

/** Epoch seconds, as the JSON protocol sends timestamps. */
export const seconds = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : ms / 1000;
