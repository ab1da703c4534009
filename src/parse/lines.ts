// A multi-line input's entries: one a line, blank lines and `# comments` skipped, each with its line
// number so a problem can name the line at fault.

export interface InputLine {
  /** 1-based line number in the input as written. */
  line: number;
  text: string;
}

export function inputLines(text: string): InputLine[] {
  const lines: InputLine[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    lines.push({ line: index + 1, text: trimmed });
  }
  return lines;
}
