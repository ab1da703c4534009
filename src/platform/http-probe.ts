// The HTTP health check the rollout runs while a batch settles (input health-check-url), over
// @actions/http-client: one GET, a hard timeout, no retries (the gate's threshold counts failures,
// a silent retry would hide them), redirects not followed (a 3xx is answered as the status it is,
// and the caller's status ranges judge it). URLs may carry credentials in userinfo or query
// strings: a message here names it only in its redacted form.
import { HttpClient } from '@actions/http-client';
import { USER_AGENT_NAME, VERSION } from './aws.js';
import { redactUrl, urlSecrets } from '../secrets.js';
import { errorMessage } from '../rollout/words.js';

export interface ProbeAnswer {
  status?: number;
  error?: string;
}

/** The engine's HTTP probe port (src/rollout/types.ts HttpProbe), structurally. */
export interface HttpProbeImpl {
  get(url: string, timeoutMs: number): Promise<ProbeAnswer>;
}

/** The URLs' secrets were registered with the Redactor when the inputs were read (src/secrets.ts). */
export function createHttpProbe(): HttpProbeImpl {
  return {
    async get(url: string, timeoutMs: number): Promise<ProbeAnswer> {
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
