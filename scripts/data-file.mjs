// Helpers of the scripts that write data/generated/: a `#` header line that names the source package and
// version (the file is rebuilt when it changes), then one record per line (read by src/aws-data/data-lines.ts).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Whether `output` exists and starts with exactly `header`. */
export function isCurrent(output, header) {
  return existsSync(output) && readFileSync(output, 'utf8').split('\n', 1)[0] === header;
}

/** Writes the header and the records atomically: concurrent runs (pretest in parallel jobs) never read half a file. */
export function writeDataFile(output, header, records) {
  mkdirSync(dirname(output), { recursive: true });
  const temporary = `${output}.${process.pid}.tmp`;
  writeFileSync(temporary, `${[header, ...records].join('\n')}\n`);
  renameSync(temporary, output);
}
