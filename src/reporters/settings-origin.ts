import { codeOrEscaped } from './untrusted-text.js';

/**
 * The summary's note on where the configuration came from: each setting (mappings one level down, as
 * they merge key by key) and the file on a default branch that set it, so that a setting inherited
 * through `_extends` — from the owner's `.github` repository or an allowed other owner — is never
 * silent. Empty when only defaults apply. Names and files are shown through the escaping helper.
 */
export function describeSettingsOrigins(origins: Readonly<Record<string, string>>): string {
  const entries = Object.entries(origins).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '';
  const files = [...new Set(entries.map(([, file]) => file))];
  return [
    `<details><summary>Settings from ${files.map((file) => codeOrEscaped(file)).join(', ')}</summary>`,
    '',
    '| Setting | File (default branch) |',
    '| --- | --- |',
    ...entries.map(([key, file]) => `| ${codeOrEscaped(key)} | ${codeOrEscaped(file)} |`),
    '',
    "Every other setting is trustgate's default.",
    '',
    '</details>',
  ].join('\n');
}
