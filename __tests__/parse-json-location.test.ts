// Where invalid JSON goes wrong: the line and column a person can go to, the same whether or not
// the engine's JSON.parse message carries a position.
import { describe, it, expect } from '@jest/globals';
import { firstInvalidOffset, lineAndColumn, locateJsonError } from '../src/parse/json-location.js';
import { expectWith } from './helpers/expect-with.js';

function parseError(text: string): unknown {
  try {
    JSON.parse(text);
  } catch (error) {
    return error;
  }
  throw new Error(`${JSON.stringify(text)} parsed`);
}

// [text, offset of the first character that cannot continue a JSON text]
const INVALID: [string, number][] = [
  ['{"a":}', 5],
  ['{"a": 1,}', 8],
  ['{\n  "a": 1\n  "b": 2\n}', 13],
  ['{"a": tru}', 9],
  ['{"a": 1', 7],
  ['{"a":1} x', 8],
  ['[1,,2]', 3],
  ['', 0],
  ['   ', 3],
  ["{'a': 1}", 1],
  ['{"a": 01}', 7],
  ['{"a": "x\ty"}', 8],
  ['{"a": "\\x"}', 8],
  ['{"a": "\\u12g4"}', 11],
  ['{"a": -}', 7],
  ['-a', 1],
  ['1.', 2],
  ['1.x', 2],
  ['1e', 2],
  ['1e+', 3],
  ['[1.5e]', 5],
  ['{"a" 1}', 5],
  ['[1 2]', 3],
  ['{"a": 1}}', 8],
  ['{"a": "unterminated', 19],
  ['nul', 3],
];

describe('firstInvalidOffset', () => {
  it.each(INVALID)('%j stops being JSON at offset %d', (text, offset) => {
    expect(firstInvalidOffset(text)).toBe(offset);
  });

  it.each(['{}', '[]', '{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"]}', ' \n{"a":{"b":[]}} \n', '0'])(
    '%j is valid: the offset is its length',
    (text) => {
      expect(firstInvalidOffset(text)).toBe(text.length);
    },
  );

  it('agrees with JSON.parse wherever its message names a position', () => {
    let compared = 0;
    for (const [text] of INVALID) {
      const message = (parseError(text) as Error).message;
      const position = /at position (\d+)/.exec(message);
      if (!position) continue;
      compared++;
      expectWith(firstInvalidOffset(text), `${JSON.stringify(text)}: ${message}`).toBe(Number(position[1]));
    }
    expect(compared).toBeGreaterThan(3);
  });
});

describe('locateJsonError', () => {
  it.each(INVALID)('%j: the located offset is %d on every message form', (text, offset) => {
    const error = parseError(text);
    expect(locateJsonError(text, error).offset).toBe(offset);
    // A message without a position (as older engines word some errors) is located by the scanner.
    expect(locateJsonError(text, new Error('Unexpected token \'x\', "..." is not valid JSON')).offset).toBe(
      offset,
    );
  });

  it('gives a 1-based line and column', () => {
    const text = '{\n  "family": "web",\n  "cpu": 256,\n}\n';
    expect(locateJsonError(text, parseError(text))).toEqual({ offset: 35, line: 4, column: 1 });
    const two = '{\n  "a": 1\n  "b": 2\n}';
    expect(locateJsonError(two, parseError(two))).toMatchObject({ line: 3, column: 3 });
  });

  it('takes "Unexpected end of JSON input" as the end of the text', () => {
    expect(locateJsonError('{"a":\n', new Error('Unexpected end of JSON input'))).toEqual({
      offset: 6,
      line: 2,
      column: 1,
    });
  });
});

describe('lineAndColumn', () => {
  it.each([
    ['abc', 0, 1, 1],
    ['abc', 2, 1, 3],
    ['a\nbc', 2, 2, 1],
    ['a\nbc', 3, 2, 2],
    ['a\r\nbc', 4, 2, 2],
    ['a\n\n', 3, 3, 1],
  ])('%j at %d is line %d column %d', (text, offset, line, column) => {
    expect(lineAndColumn(text, offset)).toEqual({ line, column });
  });
});
