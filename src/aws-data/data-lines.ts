import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

/**
 * The records of a generated data file under data/generated/ (scripts/generate-*.mjs): a `#` header
 * line, then one record per line with tab-separated fields, the last of which may be long JSON. The file
 * is read once; each record's fields come back as text, to be parsed only when someone asks for them.
 * `undefined` when the file has not been generated.
 */
export function readDataLines(name: string, fieldCount: number): string[][] | undefined {
  const file = join(packageRoot(), 'data', 'generated', name);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const records: string[][] = [];
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text[start] !== '#') {
      const fields: string[] = [];
      let from = start;
      // The last field runs to the end of the line, tabs included.
      while (fields.length < fieldCount - 1) {
        const tab = text.indexOf('\t', from);
        if (tab < 0 || tab >= end) break;
        fields.push(text.slice(from, tab));
        from = tab + 1;
      }
      if (fields.length === fieldCount - 1) records.push([...fields, text.slice(from, end)]);
    }
    start = end + 1;
  }
  return records;
}
