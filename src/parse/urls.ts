// URL inputs: the health-check URLs (one a line) and the environment URL.
import { bad, ok, type Parsed } from './result.js';

const FIX = 'write absolute http:// or https:// URLs, one a line (e.g. https://example.com/health)';

export function parseHttpUrl(text: string): Parsed<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return bad(`has "${redact(text)}", which is not a URL`, FIX);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return bad(`has "${redact(text)}", which is not http(s)`, FIX);
  }
  return ok(text);
}

export function parseHttpUrlList(text: string): Parsed<string[]> {
  const urls: string[] = [];
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (line === '') continue;
    const parsed = parseHttpUrl(line);
    if (!parsed.ok) return parsed;
    urls.push(parsed.value);
  }
  return ok(urls);
}

/** URLs may carry credentials; a message about a bad one must not print them. */
function redact(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/, '//***@');
}
