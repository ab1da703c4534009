// The two text encodings of the AWS Query protocol as one tree of named nodes, so one checker
// (text-shape.ts) can hold both against botocore's shapes:
// - a request's form parameters, whose dotted keys are paths (`Targets.member.1.Id=...`, AWS "Query
//   API requests"): each segment is a node, a value is a leaf's text;
// - an XML answer: each element is a node, in document order, repeats kept (`<member>` of lists).
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface TextNode {
  /** Child nodes in order; XML may repeat a name, a form never does. */
  children: { name: string; node: TextNode }[];
  /** A leaf's text ('' for an empty element or an empty form value). */
  text: string;
  /** XML: the element had both text and child elements; a form: a key was both a value and a prefix. */
  mixed?: boolean;
}

/** Form parameters as a tree; `Action` and `Version` are the envelope, not the input, and are left out. */
export function formToTree(body: string): { tree: TextNode; duplicates: string[] } {
  const tree: TextNode = { children: [], text: '' };
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const [key, value] of new URLSearchParams(body)) {
    if (key === 'Action' || key === 'Version') continue;
    if (seen.has(key)) duplicates.push(key);
    seen.add(key);
    let node = tree;
    for (const segment of key.split('.')) {
      let next = node.children.find((c) => c.name === segment)?.node;
      if (!next) {
        next = { children: [], text: '' };
        node.children.push({ name: segment, node: next });
      }
      node = next;
    }
    node.text = value;
    if (node.children.length > 0) node.mixed = true;
  }
  markMixed(tree);
  return { tree, duplicates };
}

/** A key set both as a value and as the prefix of longer keys, in either order. */
function markMixed(node: TextNode): void {
  if (node.text !== '' && node.children.length > 0) node.mixed = true;
  for (const c of node.children) markMixed(c.node);
}

type Ordered = Record<string, unknown>[];

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  ignoreDeclaration: true,
});

/** The document element of an XML text, or why it is not well-formed. */
export function xmlToTree(
  xml: string,
): { name: string; attributes: Record<string, string>; node: TextNode } | { error: string } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { error: `not well-formed XML: ${valid.err.msg} (line ${valid.err.line})` };
  const top = (parser.parse(xml) as Ordered).filter((entry) => elementName(entry) !== undefined);
  const [root, ...others] = top;
  if (!root || others.length > 0) return { error: `expected one document element, found ${top.length}` };
  const name = elementName(root) as string;
  const attributes = (root[':@'] ?? {}) as Record<string, string>;
  return { name, attributes, node: toNode(root[name] as Ordered) };
}

function elementName(entry: Record<string, unknown>): string | undefined {
  return Object.keys(entry).find((k) => k !== ':@' && k !== '#text');
}

function toNode(content: Ordered): TextNode {
  const node: TextNode = { children: [], text: '' };
  let text = '';
  for (const entry of content) {
    const name = elementName(entry);
    if (name === undefined) text += String(entry['#text'] ?? '');
    else node.children.push({ name, node: toNode(entry[name] as Ordered) });
  }
  // Whitespace between elements is layout (AWS indents its answers); other text beside elements is not.
  if (node.children.length === 0) node.text = text;
  else if (text.trim() !== '') node.mixed = true;
  return node;
}
