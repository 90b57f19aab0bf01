import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, parseJsonWithJsoncParser } from '../../src/parse/json.js';
import { parseJsonFast } from '../../src/parse/json-fast.js';
import { filesUnder, shape } from '../support/parse-helpers.js';

function reference(text: string): unknown {
  const parsed = parseJsonWithJsoncParser(text);
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return shape(parsed.root);
}

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus/aws-cloudformation-templates');
const FIXTURES = resolve(import.meta.dirname, '../fixtures');

const jsonFiles = (directory: string): string[] => filesUnder(directory, /\.json$/i);

describe('fast JSON reader', () => {
  it.each([
    ['an empty object and list', '{"a": {}, "b": []}'],
    ['every scalar', '{"s": "x", "n": -12.5e+3, "z": 0, "f": 0.25, "t": true, "F": false, "nil": null}'],
    ['escapes', String.raw`{"q": "a\"b\\c\/d\b\f\n\r\t", "u": "\u00e9\u2028\ud83d\ude00"}`],
    ['duplicate keys, all kept', '{"a": 1, "a": 2}'],
    ['a top-level list and scalar', '[1, "two", [3]]'],
    ['whitespace everywhere', ' \r\n\t{ "a" : [ 1 , 2 ] } \n'],
    ['non-ASCII text', '{"名前": "値", "emoji": "😀"}'],
  ])('gives jsonc-parser\'s tree for %s', (_label, text) => {
    const fast = parseJsonFast(text);
    expect(fast).toBeDefined();
    expect(shape(fast!)).toEqual(reference(text));
  });

  it.each([
    ['a trailing comma', '{"a": 1,}'],
    ['a comment', '{"a": 1 // no\n}'],
    ['a single-quoted string', "{'a': 1}"],
    ['a leading zero', '{"a": 01}'],
    ['a bare dot number', '{"a": .5}'],
    ['an unterminated string', '{"a": "b'],
    ['a raw control character in a string', '{"a": "b\u0001"}'],
    ['a bad escape', String.raw`{"a": "\x41"}`],
    ['garbage after the value', '{"a": 1} x'],
    ['a missing colon', '{"a" 1}'],
    ['NaN', '{"a": NaN}'],
    ['an empty file', ''],
  ])('declines %s, and parseJson reports jsonc-parser\'s error', (_label, text) => {
    expect(parseJsonFast(text)).toBeUndefined();
    const parsed = parseJson(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toEqual((parseJsonWithJsoncParser(text) as typeof parsed).problem);
  });

  it('links parents as the other readers do', () => {
    const root = parseJsonFast('{"a": [{"b": 1}]}')!;
    const b = root.kind === 'map' && root.entries[0]!.value.kind === 'seq' ? root.entries[0]!.value.items[0]! : undefined;
    expect(b?.parent?.parent).toBe(root);
  });

  it('gives the same tree as jsonc-parser for every JSON file of the test fixtures', () => {
    let compared = 0;
    for (const path of jsonFiles(FIXTURES)) {
      const text = readFileSync(path, 'utf8');
      const fast = parseJsonFast(text);
      if (fast === undefined) {
        expect(parseJsonWithJsoncParser(text).ok, `${path}: declined a file jsonc-parser reads`).toBe(false);
        continue;
      }
      expect(shape(fast), path).toEqual(reference(text));
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });
});

describe.skipIf(!existsSync(CORPUS))('fast JSON reader on the corpus', () => {
  it(`gives the same tree as jsonc-parser for every JSON template in ${CORPUS}`, () => {
    const files = jsonFiles(CORPUS);
    expect(files.length).toBeGreaterThan(50);
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      const fast = parseJsonFast(text);
      expect(fast, `${path}: the fast reader declined it`).toBeDefined();
      expect(shape(fast!), path).toEqual(reference(text));
    }
  });
});
