// The pre-deploy-command input: the command a one-off task's container runs (RunTask's
// containerOverrides[].command, which replaces the image's CMD; ECS passes it to the container as an
// argument list, as Docker's exec form, with no shell between). Two ways to write it:
//   - a JSON array of strings, taken as it is:      ["bin/rails", "db:migrate"]
//   - a shell-like line, split into words:           bin/rails db:migrate --verbose
//     Words are separated by blanks; '…' keeps everything literally, "…" keeps blanks and takes \" \\
//     as escapes, a \ outside quotes escapes the next character. Nothing else of a shell happens
//     (no $VAR, globs, pipes or &&): to get a shell, write it: sh -c "./migrate && ./seed".
import { bad, ok, type Parsed } from './result.js';

/**
 * RunTask API reference, `overrides`: "A total of 8192 characters are allowed for overrides. This
 * limit includes the JSON formatting characters of the override structure." The command's own
 * JSON may take most of it; the container's name and the structure take the rest.
 */
const MAX_COMMAND_JSON_CHARS = 8000;

const FIX =
  'write the command as a JSON array of strings (e.g. ["bin/rails", "db:migrate"]) or as words (e.g. bin/rails db:migrate)';

export function parseCommand(text: string): Parsed<string[]> {
  const trimmed = text.trim();
  if (trimmed === '') return bad('is empty', FIX);
  const parsed = trimmed.startsWith('[') ? parseJsonCommand(trimmed) : splitWords(trimmed);
  if (!parsed.ok) return parsed;
  const words = parsed.value;
  if (words.length === 0) return bad('has no words', FIX);
  if (words[0] === '') return bad('starts with an empty word (the program to run)', FIX);
  if (JSON.stringify(words).length > MAX_COMMAND_JSON_CHARS)
    return bad(
      `is longer than ECS takes in a task override (${MAX_COMMAND_JSON_CHARS} characters as JSON)`,
      'put the steps in a script in the image and run that',
    );
  return ok(words);
}

function parseJsonCommand(text: string): Parsed<string[]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return bad(`starts with [ but is not valid JSON (${(error as Error).message})`, FIX);
  }
  if (!Array.isArray(value) || !value.every((word): word is string => typeof word === 'string'))
    return bad('is a JSON value but not an array of strings', FIX);
  return ok(value);
}

/** Shell-like word splitting, without any of a shell's expansions. */
export function splitWords(text: string): Parsed<string[]> {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return bad(`has a ' with no closing '`, FIX);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j] as string;
        const next = text[j + 1];
        if (d === '\\' && (next === '"' || next === '\\')) {
          word += next;
          j++;
        } else word += d;
      }
      if (j >= text.length) return bad('has a " with no closing "', FIX);
      inWord = true;
      i = j;
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) return bad('ends with a lone \\', FIX);
      // A backslash before a line break joins the lines, as in a shell.
      if (next !== '\n') word += next;
      inWord = inWord || next !== '\n';
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return ok(words);
}
