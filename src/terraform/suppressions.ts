import { SourceFile } from '../parse/source-file.js';
import { parseHcl } from './hcl.js';

/** A suppression written as a Terraform comment (see docs/terraform.md, "Suppressions"). */
export interface TerraformSuppression {
  file: string;
  ruleId: string;
  reason: string;
  resource?: string;
  line: number;
}

const COMMENT = /^[ \t]*(?:#|\/\/)[ \t]*trustgate:suppress\b[ \t]*(\S*)[ \t]*(?:--[ \t]*)?(.*)$/gm;

/**
 * `# trustgate:suppress <rule id> -- <reason>` in a `.tf` file: inside a resource block, or on the lines
 * right above it, it covers that resource's findings in this file; anywhere else, the whole file. The
 * reason is mandatory. Blocks are found by parsing the file; a file that does not parse gives none.
 */
export function terraformSuppressions(path: string, text: string): { suppressions: TerraformSuppression[]; problems: { line: number; column: number; message: string }[] } {
  const out = { suppressions: [] as TerraformSuppression[], problems: [] as { line: number; column: number; message: string }[] };
  if (!path.toLowerCase().endsWith('.tf') || !text.includes('trustgate:suppress')) return out;
  const file = new SourceFile(path, text);
  const parsed = parseHcl(text);
  const blocks = parsed.ok ? parsed.body.blocks.filter((block) => (block.type === 'resource' || block.type === 'data') && block.labels.length === 2) : [];
  for (const match of text.matchAll(COMMENT)) {
    const at = match.index;
    const position = file.positionAt(at);
    const rule = match[1] ?? '';
    const reason = (match[2] ?? '').trim();
    if (rule === '') {
      out.problems.push({ ...position, message: 'a suppression needs a rule id: `# trustgate:suppress <rule id> -- <reason>`; this one is ignored' });
      continue;
    }
    if (reason === '') {
      out.problems.push({ ...position, message: `the suppression of ${rule} has no reason, so it is ignored: say why the finding is acceptable` });
      continue;
    }
    // Inside a block, or followed (through comments and blank lines only) by one.
    const after = text.slice(at).replace(/^(?:[ \t]*(?:#|\/\/)[^\n]*\n|[ \t]*\n)*/, '');
    const nextStart = at + (text.slice(at).length - after.length);
    const block = blocks.find((candidate) => candidate.start <= at && at < candidate.end) ?? blocks.find((candidate) => candidate.start === nextStart);
    const suppression: TerraformSuppression = { file: path, ruleId: rule, reason, line: position.line };
    if (block !== undefined) suppression.resource = `${block.type === 'data' ? 'data.' : ''}${block.labels[0]!.value}.${block.labels[1]!.value}`;
    out.suppressions.push(suppression);
  }
  return out;
}
