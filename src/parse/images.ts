// Image substitutions: `container=image`, one a line, for the `images` input.
import { bad, ok, type Parsed } from './result.js';

/** ECS container names: up to 255 letters, numbers, underscores and hyphens (RegisterTaskDefinition). */
export const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

const FIX =
  'write one `container=image` a line (e.g. web=123456789012.dkr.ecr.us-east-1.amazonaws.com/web:2)';

/** An image reference: no whitespace, and not empty. ECS accepts up to 255 characters. */
export function checkImage(image: string): Parsed<string> {
  if (image === '') return bad('has an empty image', FIX);
  if (/\s/.test(image)) return bad(`has image "${image}" with whitespace in it`, FIX);
  if (image.length > 255) return bad('has an image longer than 255 characters', FIX);
  return ok(image);
}

/** Blank lines and `#` comment lines are skipped so a YAML block can be annotated. */
export function parseImageList(text: string): Parsed<Map<string, string>> {
  const images = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const where = `line ${index + 1}`;
    const eq = line.indexOf('=');
    if (eq < 0) return bad(`${where} "${line}" has no "="`, FIX);
    const name = line.slice(0, eq).trim();
    const image = checkImage(line.slice(eq + 1).trim());
    if (!CONTAINER_NAME.test(name)) {
      return bad(`${where} names container "${name}", not a valid ECS container name`, FIX);
    }
    if (!image.ok) return bad(`${where} ${image.problem}`, image.fix);
    if (images.has(name)) return bad(`${where} names container "${name}" a second time`, FIX);
    images.set(name, image.value);
  }
  return ok(images);
}
