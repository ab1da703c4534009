// Markdown for GitHub: the escaping every part of a job summary or check run needs, so that text
// from AWS (service events, stopped reasons) renders as text and never as markup.
function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Prose: no raw HTML from AWS messages. */
export function text(value: string): string {
  return escapeHtml(value);
}

/** Inside backticks: a backtick would end the span early. */
export function code(value: string): string {
  return value.replace(/`/g, "'");
}

/** A table cell: `|` would start a new cell and a newline would end the row. */
export function cell(value: string): string {
  return escapeHtml(value).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/**
 * A code span in a table cell. Entities are not decoded inside a code span, so no HTML escaping
 * here; GFM still reads `\|` as a pipe inside one, so the cell does not split.
 */
export function codeCell(value: string): string {
  return `\`${code(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

/** A fenced block whose fence is longer than any backtick run inside it. */
export function fenced(body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${body}\n${fence}`;
}

/** Mermaid reads `:` and `;` as syntax and `#` as an entity start in task and title text. */
export function mermaidText(value: string): string {
  return value.replace(/[:;#\n\r]/g, ' ');
}

export function bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

export function cutToBytes(value: string, maxBytes: number): string {
  const note = '\n\n(summary cut at the size limit)\n';
  const room = Math.max(0, maxBytes - bytes(note));
  let cut = Buffer.from(value, 'utf8').subarray(0, room).toString('utf8');
  // A cut inside a multi-byte character leaves U+FFFD, which may be 3 bytes: trim until it fits.
  while (bytes(cut) > room) cut = cut.slice(0, -1);
  return cut + note;
}
