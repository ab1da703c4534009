// Secrets reach no channel. Every value the action must not print — the GitHub token, credentials
// and credential query values in health-check and environment URLs — is registered here once: it is masked in
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

  /** Registers the secret parts of a URL (urlSecrets). */
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

/**
 * Query keys that name a credential (`?token=`, `?api_key=`, `?X-Amz-Signature=`, `?password=`).
 * Only these values, and values that look generated (below), are secrets: registering every query
 * value would turn `?region=us-east-1` or `?service=web-api` into `***` in every line of the log, in
 * the ARNs of the outputs and of the state the post step restores from.
 */
const CREDENTIAL_KEY = /token|secret|key|pass|pwd|auth|sig|credential|session|code|jwt|bearer|cookie/i;

/** A value that looks generated rather than named: long, with letters and digits. */
function looksGenerated(value: string): boolean {
  return value.length >= 16 && /[A-Za-z]/.test(value) && /\d/.test(value);
}

/**
 * The secret parts of a URL: password, username, and each query value whose key names a credential
 * or that looks generated, with its `key=value` pair (so a short one is hidden in the URL's text).
 */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  // A password is a secret however short (a 1- or 2-character one is still left to the runner's
  // masking alone: replacing it here would garble every line); a user name or a query value only
  // from MIN_URL_SECRET_LENGTH up.
  const raw = [
    ...(parsed.password.length >= MIN_REPLACED_LENGTH ? [parsed.password] : []),
    ...(parsed.username.length >= MIN_URL_SECRET_LENGTH ? [parsed.username] : []),
  ];
  // The URL's text has its pairs as written (percent-encoded); searchParams would decode them.
  for (const pair of parsed.search.slice(1).split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = safeDecode(pair.slice(0, at));
    const value = pair.slice(at + 1);
    if (!CREDENTIAL_KEY.test(key) && !looksGenerated(safeDecode(value))) continue;
    if (value === '') continue;
    raw.push(pair);
    if (value.length >= MIN_URL_SECRET_LENGTH) raw.push(value);
    // `+` is a space in a query value, as URLSearchParams reads it.
    const spaced = value.replace(/\+/g, ' ');
    if (spaced !== value && spaced.length >= MIN_URL_SECRET_LENGTH) raw.push(spaced);
  }
  const out = new Set<string>();
  for (const value of raw) {
    out.add(value);
    // The URL's text has it percent-encoded, a message may have it decoded: register both.
    out.add(safeDecode(value));
  }
  return [...out];
}

/** Percent-decoded; as written when it is not valid percent-encoding. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
