// A text tree (text-tree.ts) against a botocore shape, in the AWS Query protocol's two encodings:
// - `form` (requests): a list is `Name.member.N` (N from 1, no gaps), an empty list `Name=`; a map
//   `Name.entry.N.key` / `.value`; a structure's members are `Name.Member`;
// - `xml` (answers): a list is a sequence of `<member>` elements, a map of `<entry><key/><value/>`;
//   a structure's members are child elements, each at most once.
// Scalars are text either way: integers in decimal, booleans `true`/`false`, timestamps ISO 8601
// (the Query protocol's default timestamp format).
import { shapeOf } from './model.js';
import type { MemberRef, ServiceModel, ShapeDef } from './model.js';
import type { Report } from './problem.js';
import type { TextNode } from './text-tree.js';
import {
  checkEnum,
  checkInteger,
  checkListLength,
  checkNumberRange,
  checkStringLength,
  child,
  index,
} from './scalars.js';

export type Encoding = 'form' | 'xml';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function checkText(
  model: ServiceModel,
  shapeName: string,
  node: TextNode,
  path: string,
  encoding: Encoding,
  report: Report,
): void {
  const shape = shapeOf(model, shapeName);
  if (node.mixed) {
    report(path, 'has both a value and members');
    return;
  }
  switch (shape.type) {
    case 'structure':
      checkStructure(model, shapeName, shape, node, path, encoding, report);
      return;
    case 'list':
      checkList(model, shapeName, shape, node, path, encoding, report);
      return;
    case 'map':
      checkMap(model, shapeName, shape, node, path, encoding, report);
      return;
    default:
      if (node.children.length > 0) {
        report(path, `expected a ${shape.type} (${shapeName}), got members ${names(node)}`);
        return;
      }
      checkScalar(shapeName, shape, node.text, path, report);
  }
}

function names(node: TextNode): string {
  return `[${[...new Set(node.children.map((c) => c.name))].join(', ')}]`;
}

function checkStructure(
  model: ServiceModel,
  shapeName: string,
  shape: ShapeDef,
  node: TextNode,
  path: string,
  encoding: Encoding,
  report: Report,
): void {
  if (node.children.length === 0 && node.text !== '') {
    report(path, `expected structure ${shapeName}, got the value '${node.text}'`);
    return;
  }
  const byWireName = new Map<string, [string, MemberRef]>();
  for (const [name, ref] of Object.entries(shape.members ?? {}))
    byWireName.set(ref.locationName ?? name, [name, ref]);
  const present = new Set<string>();
  for (const { name: wireName, node: member } of node.children) {
    const found = byWireName.get(wireName);
    if (!found) {
      report(child(path, wireName), `unknown member '${wireName}' of ${shapeName}`);
      continue;
    }
    const [name, ref] = found;
    if (present.has(name)) report(child(path, name), `member '${name}' appears more than once`);
    present.add(name);
    checkText(model, ref.shape, member, child(path, name), encoding, report);
  }
  for (const name of shape.required ?? []) {
    if (!present.has(name)) report(child(path, name), `required member '${name}' of ${shapeName} is missing`);
  }
}

/** `form`: the numbered items under `member` (or `entry`), checked to run 1..N; `xml`: the repeated elements. */
function items(
  node: TextNode,
  wrapper: string,
  path: string,
  encoding: Encoding,
  report: Report,
): TextNode[] | undefined {
  if (node.children.length === 0) {
    // An empty list: `Name=` in a form, `<Name/>` in XML.
    if (node.text !== '') report(path, `expected a list, got the value '${node.text}'`);
    return [];
  }
  const strangers = node.children.filter((c) => c.name !== wrapper);
  if (strangers.length > 0) {
    report(path, `a list holds only <${wrapper}> items, found ${names({ children: strangers, text: '' })}`);
    return undefined;
  }
  if (encoding === 'xml') return node.children.map((c) => c.node);
  const holder = node.children[0]?.node;
  if (holder && holder.children.length === 0)
    report(`${path}.${wrapper}`, `a list item needs its number: ${wrapper}.1, ...`);
  const numbered = holder?.children ?? [];
  const out: TextNode[] = [];
  numbered.forEach(({ name, node: item }) => {
    const n = Number(name);
    if (!INTEGER.test(name) || n < 1)
      report(`${path}.${wrapper}.${name}`, `list index '${name}' is not 1, 2, ...`);
    else out[n - 1] = item;
  });
  for (let i = 0; i < out.length; i++) {
    if (out[i] === undefined) report(path, `list indices skip ${i + 1}`);
  }
  return out.filter((item): item is TextNode => item !== undefined);
}

function checkList(
  model: ServiceModel,
  shapeName: string,
  shape: ShapeDef,
  node: TextNode,
  path: string,
  encoding: Encoding,
  report: Report,
): void {
  const wrapper = shape.member?.locationName ?? 'member';
  const list = items(node, wrapper, path, encoding, report);
  if (!list) return;
  checkListLength(shape, list.length, path, report);
  const member = shape.member?.shape;
  if (!member) throw new Error(`list ${shapeName} has no member shape`);
  list.forEach((item, i) => checkText(model, member, item, index(path, i), encoding, report));
}

function checkMap(
  model: ServiceModel,
  shapeName: string,
  shape: ShapeDef,
  node: TextNode,
  path: string,
  encoding: Encoding,
  report: Report,
): void {
  const entries = items(node, 'entry', path, encoding, report);
  if (!entries || !shape.key || !shape.value) return;
  entries.forEach((entry, i) => {
    const key = entry.children.find((c) => c.name === 'key')?.node;
    const value = entry.children.find((c) => c.name === 'value')?.node;
    const extra = entry.children.filter((c) => c.name !== 'key' && c.name !== 'value');
    if (!key || !value || extra.length > 0)
      report(index(path, i), `a ${shapeName} entry has exactly a key and a value, found ${names(entry)}`);
    if (key) checkText(model, shape.key?.shape ?? '', key, `${index(path, i)}.key`, encoding, report);
    if (value) checkText(model, shape.value?.shape ?? '', value, `${index(path, i)}.value`, encoding, report);
  });
}

function checkScalar(shapeName: string, shape: ShapeDef, text: string, path: string, report: Report): void {
  const wrong = (what: string): void => report(path, `'${text}' is not ${what} (${shapeName})`);
  switch (shape.type) {
    case 'string':
      checkEnum(shape, text, path, report);
      checkStringLength(shape, text, path, report);
      return;
    case 'integer':
    case 'long':
      if (!INTEGER.test(text)) wrong(`an ${shape.type}`);
      else checkInteger(shape, Number(text), path, report);
      return;
    case 'double':
    case 'float':
      if (!DECIMAL.test(text)) wrong('a number');
      else checkNumberRange(shape, Number(text), path, report);
      return;
    case 'boolean':
      if (text !== 'true' && text !== 'false') wrong('a boolean (true or false)');
      return;
    case 'timestamp':
      if (!ISO_8601.test(text) || Number.isNaN(Date.parse(text))) wrong('an ISO 8601 timestamp');
      return;
    case 'blob':
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) wrong('base64');
      return;
    default:
      report(path, `unexpected shape type ${shape.type} (${shapeName})`);
  }
}
