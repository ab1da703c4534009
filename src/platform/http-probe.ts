// The HTTP health check the rollout runs while a batch settles (input health-check-url), over
// @actions/http-client: one GET, a hard timeout, no retries (the gate's threshold counts failures,
// a silent retry would hide them), redirects not followed (a 3xx is answered as the status it is,
// and the caller's status ranges judge it). URLs may carry credentials in userinfo or query
// strings: they are masked in the log and never appear in a message.
import { HttpClient } from '@actions/http-client';
import { USER_AGENT_NAME, VERSION } from './aws.js';
import { errorMessage } from './errors.js';

export interface ProbeAnswer {
  status?: number;
  error?: string;
}

/** The engine's HTTP probe port (src/rollout/types.ts HttpProbe), structurally. */
export interface HttpProbeImpl {
  get(url: string, timeoutMs: number): Promise<ProbeAnswer>;
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

/** The secret parts of a URL: password, username, and every query value. */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secrets = [parsed.password, parsed.username, ...[...parsed.searchParams.values()]];
  if (parsed.search.length > 1) secrets.push(parsed.search.slice(1));
  return [...new Set(secrets.map((s) => decodeURIComponent(s)).filter((s) => s.length > 0))];
}

export interface HttpProbeOptions {
  /** core.setSecret: called once for each secret part of each URL probed. */
  setSecret?: (secret: string) => void;
}

export function createHttpProbe(options: HttpProbeOptions = {}): HttpProbeImpl {
  const masked = new Set<string>();
  return {
    async get(url: string, timeoutMs: number): Promise<ProbeAnswer> {
      if (!masked.has(url)) {
        masked.add(url);
        for (const secret of urlSecrets(url)) options.setSecret?.(secret);
      }
      const client = new HttpClient(`${USER_AGENT_NAME}/${VERSION}`, [], {
        allowRedirects: false,
        allowRetries: false,
        maxRetries: 0,
        keepAlive: false,
        socketTimeout: timeoutMs,
      });
      let timer: NodeJS.Timeout | undefined;
      // socketTimeout bounds idle time only: this bounds the whole exchange.
      const deadline = new Promise<ProbeAnswer>((resolve) => {
        timer = setTimeout(() => {
          resolve({ error: `GET ${redactUrl(url)}: no answer within ${timeoutMs} ms` });
          client.dispose();
        }, timeoutMs);
        timer.unref();
      });
      const exchange = (async (): Promise<ProbeAnswer> => {
        try {
          const response = await client.get(url);
          const status = response.message.statusCode ?? 0;
          response.message.resume(); // drain the body so the socket closes
          return { status };
        } catch (error) {
          return { error: `GET ${redactUrl(url)}: ${scrub(errorMessage(error), url)}` };
        }
      })();
      try {
        return await Promise.race([exchange, deadline]);
      } finally {
        clearTimeout(timer);
        client.dispose();
      }
    },
  };
}

/** Node's errors may quote the URL; replace it and its secrets in the text. */
function scrub(message: string, url: string): string {
  let out = message.split(url).join(redactUrl(url));
  for (const secret of urlSecrets(url)) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}
