// An IAM identity policy as docs/iam.md gives it, and just enough of IAM's evaluation to say whether
// it allows one authorization: Allow statements only (docs/iam.md has no Deny), Action and Resource
// with the `*` and `?` wildcards, and the condition operators docs/iam.md uses. An operator this
// file does not know is an error, never a silent pass.
//
// Rules followed (IAM User Guide, "IAM JSON policy elements: Condition operators"): a condition
// key missing from the request fails StringEquals, StringLike, ArnEquals and ArnLike, and satisfies
// ForAllValues:*; the values listed for one key are ORed, keys and operators are ANDed. Action
// names match case-insensitively, resources case-sensitively.

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

/** One permission a request needs: an action on a resource (`*` when IAM names none), in a context. */
export interface Authorization {
  action: string;
  resource: string;
  context: Record<string, string[]>;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/**
 * The JSON block right after `<!-- iam-policy:NAME -->` in a markdown file (docs/iam.md; `file`
 * names it in errors): the marker, optional whitespace, then a ```json fence. Throws, naming the
 * marker, when there is none or it is not JSON.
 */
export function markdownPolicy(markdown: string, name: string, file = 'docs/iam.md'): PolicyDocument {
  const marker = `<!-- iam-policy:${name} -->`;
  const at = markdown.indexOf(marker);
  if (at === -1) throw new Error(`${file} has no ${marker}`);
  const block = /^\s*```json\n([\s\S]*?)\n```/.exec(markdown.slice(at + marker.length));
  if (!block?.[1]) throw new Error(`${file}: no \`\`\`json block right after ${marker}`);
  return JSON.parse(block[1]) as PolicyDocument;
}

/** The policy with its placeholders (whole upper-case words, e.g. CLUSTER) replaced. */
export function instantiate(policy: PolicyDocument, values: Record<string, string>): PolicyDocument {
  let text = JSON.stringify(policy);
  for (const [placeholder, value] of Object.entries(values))
    text = text.replace(new RegExp(`\\b${placeholder}\\b`, 'g'), value);
  return JSON.parse(text) as PolicyDocument;
}

/** Every (statement, action) pair of the policy, as `Sid action`. */
export function grants(policy: PolicyDocument): string[] {
  return policy.Statement.flatMap((s) => list(s.Action).map((a) => `${s.Sid ?? '?'} ${a}`));
}

/** Every action the policy names. */
export function actionsOf(policy: PolicyDocument): string[] {
  return [...new Set(policy.Statement.flatMap((s) => list(s.Action)))];
}

function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, flags);
}

function conditionHolds(
  operator: string,
  key: string,
  wanted: string[],
  context: Record<string, string[]>,
): boolean {
  const given = context[key];
  const matches = (value: string): boolean =>
    operator.endsWith('Equals') && !operator.startsWith('Arn')
      ? wanted.includes(value)
      : wanted.some((w) => wildcard(w).test(value));
  switch (operator) {
    case 'StringEquals':
    case 'StringLike':
    case 'ArnEquals':
    case 'ArnLike':
      return given !== undefined && given.some(matches);
    case 'ForAllValues:StringEquals':
    case 'ForAllValues:StringLike':
      return given === undefined || given.every(matches);
    default:
      throw new Error(`condition operator ${operator} is not one this check evaluates: add it`);
  }
}

/** The Sids of the Allow statements that grant this authorization (none: denied). */
export function allowedBy(policy: PolicyDocument, auth: Authorization): string[] {
  return policy.Statement.filter(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => wildcard(a, 'i').test(auth.action)) &&
      list(s.Resource).some((r) => wildcard(r).test(auth.resource)) &&
      Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, wanted]) =>
          conditionHolds(operator, key, list(wanted), auth.context),
        ),
      ),
  ).map((s) => s.Sid ?? '?');
}
