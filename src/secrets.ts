// Secrets reach no channel. Every value the action must not print — the GitHub token, credentials
// and query values in health-check and environment URLs — is registered here once: it is masked in
// the runner's log (core.setSecret) and replaced by `***` in everything the action writes itself
// (log lines, outputs, job summary, check runs, commit and deployment statuses, saved state),
// because every writer goes through `redact`.

/** Shorter values are masked by the runner but not replaced here: `***` for every `a` would garble every line. */
const MIN_REPLACED_LENGTH = 3;
/**
 * URL parts shorter than this (`?debug=1`, `?verbose=true`) are not registered at all: masked, they
 * would hide every `1` or `true` in the job's log. The action prints a URL only in its redacted
 * form (`redactUrl`: no userinfo, no query), so they never reach a channel either way.
 */
const MIN_URL_SECRET_LENGTH = 5;

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(private readonly mask: (secret: string) => void = () => undefined) {}

  /** Registers a secret value. */
  add(secret: string): void {
    const value = secret.trim();
    if (value === '' || this.secrets.has(value)) return;
    this.secrets.add(value);
    this.pattern = undefined;
    try {
      this.mask(value);
    } catch {
      // Masking in the log is the runner's; our own replacement still happens.
    }
  }

  /** Registers the secret parts of a URL: user, password, query values and the whole query. */
  addUrl(url: string): void {
    for (const secret of urlSecrets(url)) this.add(secret);
  }

  /** The text with every registered secret replaced by `***`. */
  redact(text: string): string {
    if (this.secrets.size === 0 || text === '') return text;
    this.pattern ??= new RegExp(
      [...this.secrets]
        .filter((s) => s.length >= MIN_REPLACED_LENGTH)
        // Longest first, so a secret that contains another is replaced whole.
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|') || '(?!)',
      'g',
    );
    return text.replace(this.pattern, '***');
  }
}

/** `https://user:pw@host/p?token=x` → `https://***@host/p?***`: safe to print. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid URL>';
  }
  const auth = parsed.username || parsed.password ? '***@' : '';
  const query = parsed.search ? '?***' : '';
  return `${parsed.protocol}//${auth}${parsed.host}${parsed.pathname}${query}`;
}

/** The secret parts of a URL: password, username, every query value and the whole query string. */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const query = parsed.search.slice(1);
  // searchParams decodes its values (`a%2Fb` -> `a/b`); the URL's text has them as written.
  const written = query
    .split('&')
    .filter((pair) => pair.includes('='))
    .map((pair) => pair.slice(pair.indexOf('=') + 1));
  // A password is a secret however short (a 1- or 2-character one is still left to the runner's
  // masking alone: replacing it here would garble every line); a user name or a query value only
  // from MIN_URL_SECRET_LENGTH up.
  const raw = [
    ...(parsed.password.length >= MIN_REPLACED_LENGTH ? [parsed.password] : []),
    ...[parsed.username, ...parsed.searchParams.values(), ...written].filter(
      (v) => v.length >= MIN_URL_SECRET_LENGTH,
    ),
  ];
  if (query !== '') raw.push(query);
  const out = new Set<string>();
  for (const value of raw) {
    if (value === '') continue;
    out.add(value);
    // The URL's text has it percent-encoded, a message may have it decoded: register both.
    try {
      out.add(decodeURIComponent(value));
    } catch {
      // Not valid percent-encoding: the raw form is registered.
    }
  }
  return [...out];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
